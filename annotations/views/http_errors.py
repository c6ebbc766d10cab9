"""Django's own error answers, given before any API view runs (a URL that matches no route, such
as ``/api/v1/projects/1.5/``; a request Django itself refuses), as JSON under ``/api/`` like every
other answer of the API. Pages keep Django's HTML ones, except for an upload past the limit
(``upload_limit``), which gets a page that names the limit. Wired as ``handler404``/``handler400`` in
``workbench/urls.py``; with ``DEBUG`` on Django shows its debug page for a 404 instead."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

from annotations.views.upload_limit import UploadTooLarge


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    if isinstance(exception, UploadTooLarge):
        # A page's upload (the import page's form) past the limit: say so, and lead back.
        context = {"message": str(exception.detail), "back": request.path}
        return render(request, "annotations/upload_too_large.html", context, status=413)
    return defaults.bad_request(request, exception)
