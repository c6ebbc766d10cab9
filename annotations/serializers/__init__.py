"""Input and output serializers, one module per area. Related fields are always resolved inside
the request's project, so an id from another project is "unknown" (400), never silently accepted.

Import from the area module (``annotations.serializers.spans``); this package re-exports nothing."""
