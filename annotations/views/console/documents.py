"""Console pages: the documents table (see annotations/views/console/__init__.py).

``/projects/<id>/documents/`` (managers and reviewers; annotators and outsiders get 404): search,
filters, sortable columns and pages, every value in the query string (bookmarkable, the back
button works), read through ``selectors.document_table`` as the documents API reads it. The bulk
bar posts to ``/projects/<id>/documents/bulk/?<the same query string>``, so the action sees the
table the user saw: the ticked rows, every row of the page, or every document matching. Managers
assign, unassign and delete (after a confirmation page); reviewers export. The actions are the
API's (``services.document_bulk``); a problem is shown on the field it concerns, and a success
redirects back to the same table with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from annotations.errors import DomainError, Forbidden
from annotations.forms.documents import DocumentBulkForm, DocumentTableForm
from annotations.forms.errors import add_domain_error
from annotations.permissions import can_manage, check_act_on_documents
from annotations.selectors.access import ProjectAccess
from annotations.selectors.document_table import (
    DocumentTableIds,
    DocumentTablePage,
    document_table_all_ids,
    document_table_choices,
    document_table_page,
    document_table_rows,
)
from annotations.services.document_bulk import BULK_MAX_DOCUMENTS, documents_bulk_action
from annotations.services.exports import EXPORT_FORMATS
from annotations.views.base import review_access_or_404
from annotations.views.review_pages import FORMAT_HELP

# Sortable columns: (ordering key, header).
COLUMNS = (
    ("id", "#"),
    ("title", "Title"),
    ("spans", "Spans"),
    ("agreement", "Agreement α"),
    ("published", "Published"),
    ("created", "Added"),
)
# Titles of the documents shown on the delete confirmation page.
CONFIRM_SHOWN = 20


def _table_form(request: HttpRequest, access: ProjectAccess, choices: dict[str, Any]) -> Any:
    form = DocumentTableForm(request.GET, access=access, **choices)
    form.is_valid()  # bad values are shown on their fields and left out of the query
    return form


def _with(params: QueryDict, **changes: Any) -> str:
    """The query string ``params`` with ``changes`` (``None`` removes a key)."""
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


def _columns(params: QueryDict, ordering: str) -> list[dict[str, Any]]:
    current, descending = ordering.lstrip("-"), ordering.startswith("-")
    columns = []
    for key, header in COLUMNS:
        active = key == current
        # A first click sorts ascending (agreement: lowest first); a second one reverses.
        following = f"-{key}" if active and not descending else key
        columns.append(
            {
                "key": key,
                "header": header,
                "sort": ("descending" if descending else "ascending") if active else None,
                "url": "?" + _with(params, ordering=following, page=None),
            }
        )
    return columns


def _pages(params: QueryDict, page: DocumentTablePage) -> dict[str, Any]:
    def link(number: int) -> str:
        return "?" + _with(params, page=number)

    return {
        "first": link(1) if page.number > 1 else None,
        "previous": link(page.number - 1) if page.number > 1 else None,
        "next": link(page.number + 1) if page.number < page.num_pages else None,
        "last": link(page.num_pages) if page.number < page.num_pages else None,
        # The jump form resends every other value of the query string as hidden fields.
        "hidden": [(k, v) for k, values in params.lists() if k != "page" for v in values],
    }


def _render(
    request: HttpRequest,
    access: ProjectAccess,
    *,
    bulk_form: DocumentBulkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    choices = document_table_choices(access)
    form = _table_form(request, access, choices)
    query = form.query()
    page = document_table_page(
        access, request.user, query, page=_page_number(request), size=form.chosen_page_size()
    )
    params = request.GET.copy()
    # Rows ticked before a refused action stay ticked.
    ticked = set(bulk_form.data.getlist("documents")) if bulk_form is not None else set()
    context = {
        "project": access.project,
        "access": access,
        "form": form,
        "page": page,
        "columns": _columns(params, query.ordering),
        "pages": _pages(params, page),
        "query_string": params.urlencode(),
        "filtered": any(
            value not in (None, "") and name not in ("ordering", "page_size", "search")
            for name, value in query.as_kwargs().items()
        )
        or bool(query.search),
        "bulk_form": bulk_form or DocumentBulkForm(members=choices["members"]),
        "ticked": ticked,
        "can_manage": can_manage(access),
        "formats": [(key, FORMAT_HELP.get(key, key)) for key in EXPORT_FORMATS],
        "bulk_max": f"{BULK_MAX_DOCUMENTS:,}",
    }
    return render(request, "annotations/console/documents.html", context, status=status)


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else 1


@login_required
def documents(request: HttpRequest, project_id: int) -> HttpResponse:
    access = review_access_or_404(request.user, project_id)
    return _render(request, access)


def _selection(
    request: HttpRequest, access: ProjectAccess, form: DocumentBulkForm, choices: dict[str, Any]
) -> list[int]:
    """The ids the action applies to: the ticked rows (checked against the project by the
    service), every row of the page the user saw, or every document matching."""
    scope = form.cleaned_data["scope"]
    if scope == "ticked":
        return form.cleaned_data["documents"]
    table_form = _table_form(request, access, choices)
    query = table_form.query()
    if scope == "page":
        ids = DocumentTableIds(access, request.user, query)
        size = table_form.chosen_page_size()
        page = Paginator(ids, size).get_page(_page_number(request))  # type: ignore[arg-type]
        return list(page.object_list)
    return document_table_all_ids(access, request.user, query)


def _done(request: HttpRequest, result: Any, who: str) -> None:
    if result.action == "assign":
        text = f"Assigned {result.changed} document(s) to {who}."
        if result.unchanged:
            text += f" {result.unchanged} already had them."
    elif result.action == "unassign":
        text = f"Removed {result.changed} open assignment(s)" + (f" of {who}." if who else ".")
        if result.unchanged:
            text += f" {result.unchanged} submitted or skipped assignment(s) stay."
    elif result.action == "delete":
        text = f"Deleted {result.changed} document(s)."
    else:
        text = (
            f"Export of {result.documents} document(s) started: follow it and download the file "
            "on the Exports page."
        )
    messages.success(request, text)


@login_required
@require_POST
def documents_bulk(request: HttpRequest, project_id: int) -> HttpResponse:
    """A bulk action on the table shown by the query string; a delete asks for confirmation
    first, showing what it would delete."""
    access = review_access_or_404(request.user, project_id)
    choices = document_table_choices(access)
    form = DocumentBulkForm(request.POST, members=choices["members"])
    if not form.is_valid():
        return _render(request, access, bulk_form=form, status=400)
    action = form.cleaned_data["action"]
    try:
        check_act_on_documents(access, action)
    except Forbidden as exc:
        add_domain_error(form, exc, default="action")
        return _render(request, access, bulk_form=form, status=403)
    ids = _selection(request, access, form, choices)
    if not ids:
        form.add_error("documents", "No document matches: nothing to act on.")
        return _render(request, access, bulk_form=form, status=400)
    if action == "delete" and not form.cleaned_data["confirm"]:
        return _confirm_delete(request, access, ids)
    annotator = form.cleaned_data.get("annotator")
    try:
        result = documents_bulk_action(
            project=access.project,
            user=request.user,
            action=action,
            document_ids=ids,
            annotator_id=annotator,
            export_params={
                "format": form.cleaned_data.get("format"),
                "submitted_only": form.cleaned_data["submitted_only"],
                "excel_safe": True,
            },
        )
    except DomainError as exc:
        add_domain_error(form, exc, default="action")
        return _render(request, access, bulk_form=form, status=exc.status_code)
    who = dict(choices["members"]).get(annotator, "") if annotator else ""
    _done(request, result, who.split(" (")[0])
    return redirect(reverse("console-documents", args=[project_id]) + _back(request))


def _back(request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return f"?{query}" if query else ""


def _confirm_delete(request: HttpRequest, access: ProjectAccess, ids: list[int]) -> HttpResponse:
    shown = document_table_rows(access, request.user, ids[:CONFIRM_SHOWN])
    context = {
        "project": access.project,
        "access": access,
        "ids": ",".join(map(str, ids)),
        "count": len(ids),
        "shown": shown,
        "too_many": len(ids) > BULK_MAX_DOCUMENTS,
        "bulk_max": f"{BULK_MAX_DOCUMENTS:,}",
        "query_string": request.GET.urlencode(),
        "back": reverse("console-documents", args=[access.project.pk]) + _back(request),
    }
    return render(request, "annotations/console/documents_delete.html", context)


urlpatterns: list[URLPattern] = [
    path("projects/<int:project_id>/documents/", documents, name="console-documents"),
    path(
        "projects/<int:project_id>/documents/bulk/", documents_bulk, name="console-documents-bulk"
    ),
]
