"""The manager's console: server-rendered pages that set up and run a project (settings, labels and
statuses, members and accounts, imports, assignment, the documents table).

Each module holds one area's views and its ``urlpatterns`` (collected by
``annotations.console_urls``). Views stay thin: a form validates the input, a service in
``annotations.services`` writes, a selector reads, exactly as the API does, so permissions,
validation and versions are the same in the browser and in scripts.
"""
