"""Django forms of the server-rendered pages: input checks and field-level messages only. The rules
themselves live in ``annotations.services`` (writes) and ``annotations.permissions``; a form hands
its cleaned data to a service and shows the service's ``InvalidInput`` next to the field it names.
"""
