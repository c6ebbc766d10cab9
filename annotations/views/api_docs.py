"""``/api/docs/``: Swagger UI, served from the app's own static files (drf-spectacular-sidecar)."""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI that the Content-Security-Policy lets run: the split view serves the set-up
    script from this same URL (``?script``) instead of inline, and the page's few rules come from
    a stylesheet (``annotations/api_docs.html``)."""

    template_name = "annotations/api_docs.html"
