"""Console pages: labels and verification statuses (see annotations/views/console/__init__.py).

``/projects/<id>/labels/`` (``console-labels``, managers; everyone else gets 404): two tables,
labels in hotkey order (``selectors.projects.label_hotkey_order``) and statuses by position, each
with a form to add one or edit one (``?label=<id>``, ``?status=<id>``), buttons that move a row up
or down, and retire / bring back (a retired label or status keeps its spans, intact, and cannot be
used for new ones). Every change is the service the API calls (annotations.services.projects), so
the rules and their messages are the same: a refused field is shown next to the field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from annotations.errors import DomainError
from annotations.forms.errors import add_domain_error
from annotations.forms.labels import LabelForm, StatusForm
from annotations.models import Label, VerificationStatus
from annotations.selectors.access import ProjectAccess, as_id
from annotations.selectors.projects import label_list_with_use, status_list_with_use
from annotations.services.projects import (
    label_create,
    label_delete,
    label_move,
    label_update,
    status_create,
    status_delete,
    status_move,
    status_update,
)
from annotations.views.base import manager_access_or_404

LABEL_PREFIX, STATUS_PREFIX = "label", "status"


def _spans(n: int, gold: int) -> str:
    """'3 spans', '3 spans and 1 gold span', 'no span'."""
    parts = [f"{n} span{'' if n == 1 else 's'}"] if n or not gold else []
    if gold:
        parts.append(f"{gold} gold span{'' if gold == 1 else 's'}")
    return " and ".join(parts) if n or gold else "no span"


def _kept(n: int, gold: int, noun: str) -> str:
    """What a retired label or status says of its spans: they keep it, intact."""
    if not n and not gold:
        return f"No span uses this {noun}."
    verb = "keeps" if n + gold == 1 else "keep"
    return f"{_spans(n, gold)} {verb} this {noun}, intact."


UP_HINT = "Labels with a hotkey come first: give this label a hotkey to move it up."
DOWN_HINT = "Labels with a hotkey come first: remove its hotkey to move it down."


def _keyed(label: Label | None) -> bool:
    return label is not None and bool(label.shortcut) and not label.retired


def _label_rows(labels: list[Label]) -> list[dict[str, Any]]:
    """Each label with what its row shows and which moves are possible: a label with an active
    hotkey never moves below one without, nor one without above one with (hotkey order)."""
    rows = []
    for i, label in enumerate(labels):
        before = labels[i - 1] if i > 0 else None
        after = labels[i + 1] if i + 1 < len(labels) else None
        # Crossing the line between labels with a hotkey and the others is what cannot be done.
        up_blocked = before is not None and not _keyed(label) and _keyed(before)
        down_blocked = after is not None and _keyed(label) and not _keyed(after)
        rows.append(
            {
                "item": label,
                "hotkey_active": _keyed(label),
                "can_up": before is not None and not up_blocked,
                "up_hint": UP_HINT if up_blocked else "",
                "can_down": after is not None and not down_blocked,
                "down_hint": DOWN_HINT if down_blocked else "",
                "uses": _spans(label.span_count, label.gold_count),
                "kept": _kept(label.span_count, label.gold_count, "label"),
                "used": bool(label.span_count or label.gold_count),
            }
        )
    return rows


def _status_rows(statuses: list[VerificationStatus]) -> list[dict[str, Any]]:
    last = len(statuses) - 1
    return [
        {
            "item": status,
            "can_up": i > 0,
            "can_down": i < last,
            "uses": _spans(status.span_count, status.gold_count),
            "kept": _kept(status.span_count, status.gold_count, "status"),
            "used": bool(status.span_count or status.gold_count),
        }
        for i, status in enumerate(statuses)
    ]


def _label_form(label: Label | None, data: Any = None) -> LabelForm:
    initial = None
    if label is not None:
        initial = {
            "name": label.name,
            "key": label.key,
            "color": label.color,
            "shortcut": label.shortcut,
            "description": label.description,
        }
    return LabelForm(data, initial=initial, prefix=LABEL_PREFIX)


def _status_form(status: VerificationStatus | None, data: Any = None) -> StatusForm:
    initial = None
    if status is not None:
        initial = {
            "name": status.name,
            "key": status.key,
            "color": status.color,
            "description": status.description,
            "is_final": status.is_final,
            "is_initial": status.is_initial,
        }
    form = StatusForm(data, initial=initial, prefix=STATUS_PREFIX)
    if status is not None and status.is_initial:
        # Exactly one status is initial: it stops being so when another one becomes initial.
        initial_field = form.fields["is_initial"]
        initial_field.disabled = True
        initial_field.help_text = (
            "This status is given to new spans; make another status initial to change that."
        )
    return form


def _editing(rows: list[dict[str, Any]], value: object) -> Any:
    pk = as_id(value)
    return next((row["item"] for row in rows if row["item"].pk == pk), None)


def _render(
    request: HttpRequest,
    access: ProjectAccess,
    *,
    label_form: tuple[Label | None, LabelForm] | None = None,
    status_form: tuple[VerificationStatus | None, StatusForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    label_rows = _label_rows(list(label_list_with_use(access=access)))
    status_rows = _status_rows(list(status_list_with_use(access=access)))
    if label_form is None:
        editing = _editing(label_rows, request.GET.get("label"))
        label_form = (editing, _label_form(editing))
    if status_form is None:
        editing = _editing(status_rows, request.GET.get("status"))
        status_form = (editing, _status_form(editing))
    context = {
        "project": access.project,
        "access": access,
        "archived": access.project.archived_at is not None,
        "label_rows": label_rows,
        "status_rows": status_rows,
        "label_editing": label_form[0],
        "label_form": label_form[1],
        "status_editing": status_form[0],
        "status_form": status_form[1],
    }
    return render(request, "annotations/console/labels.html", context, status=status)


@login_required
def labels_page(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    return _render(request, access)


def _label_or_404(access: ProjectAccess, label_id: int) -> Label:
    label = Label.objects.filter(project=access.project, pk=label_id).first()
    if label is None:
        raise Http404("No such label.")
    return label


def _status_or_404(access: ProjectAccess, status_id: int) -> VerificationStatus:
    status = VerificationStatus.objects.filter(project=access.project, pk=status_id).first()
    if status is None:
        raise Http404("No such status.")
    return status


def _back(access: ProjectAccess, anchor: str) -> HttpResponse:
    response = redirect("console-labels", project_id=access.project.pk)
    response["Location"] += f"#{anchor}"
    return response


# --- labels --------------------------------------------------------------------------------------


@login_required
@require_POST
def label_add(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    form = _label_form(None, request.POST)
    status = 400
    if form.is_valid():
        try:
            label = label_create(project=access.project, fields=form.changes())
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status_code
        else:
            hotkey = f" with hotkey {label.shortcut}" if label.shortcut else ""
            messages.success(request, f"Label '{label.name}' added{hotkey}.")
            return _back(access, "labels")
    return _render(request, access, label_form=(None, form), status=status)


@login_required
@require_POST
def label_edit(request: HttpRequest, project_id: int, label_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    label = _label_or_404(access, label_id)
    form = _label_form(label, request.POST)
    status = 400
    if form.is_valid():
        changes = {k: v for k, v in form.changes().items() if k in form.changed_data}
        if not changes:
            messages.info(request, f"Nothing changed in '{label.name}'.")
            return _back(access, "labels")
        try:
            label = label_update(label=label, changes=changes)
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status_code
        else:
            messages.success(request, f"Label '{label.name}' saved.")
            return _back(access, "labels")
    return _render(request, access, label_form=(label, form), status=status)


def _offset(request: HttpRequest) -> int:
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise Http404("Move a row up or down.")
    return -1 if direction == "up" else 1


@login_required
@require_POST
def label_move_view(request: HttpRequest, project_id: int, label_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    label = _label_or_404(access, label_id)
    offset = _offset(request)
    before = {row.pk: row.shortcut for row in Label.objects.filter(project=access.project)}
    try:
        labels = label_move(label=label, offset=offset)
    except DomainError as exc:
        messages.error(request, _message(exc))
        return _back(access, "labels")
    traded = [row for row in labels if row.shortcut != before.get(row.pk)]
    text = f"Moved '{label.name}' {'up' if offset < 0 else 'down'}."
    if traded:
        swaps = "; ".join(f"'{row.name}' now has hotkey {row.shortcut}" for row in traded)
        text += f" Hotkeys follow the order: {swaps}."
    messages.success(request, text)
    return _back(access, "labels")


@login_required
@require_POST
def label_retire(request: HttpRequest, project_id: int, label_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    label = _label_or_404(access, label_id)
    retire = request.POST.get("retired") == "1"
    try:
        label = label_update(label=label, changes={"retired": retire})
    except DomainError as exc:
        messages.error(request, _message(exc))
        return _back(access, "labels")
    row = label_list_with_use(access=access).get(pk=label.pk)
    if retire:
        messages.success(
            request,
            f"'{label.name}' is retired and can no longer be used for new spans. "
            + _kept(row.span_count, row.gold_count, "label"),
        )
    else:
        hotkey = f" (hotkey {label.shortcut})" if label.shortcut else ""
        messages.success(request, f"'{label.name}' is back in use{hotkey}.")
    return _back(access, "labels")


@login_required
@require_POST
def label_remove(request: HttpRequest, project_id: int, label_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    label = _label_or_404(access, label_id)
    try:
        label_delete(label=label)
    except DomainError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"Label '{label.name}' deleted.")
    return _back(access, "labels")


# --- statuses ------------------------------------------------------------------------------------


def _make_initial(form: StatusForm, status: VerificationStatus | None) -> bool | None:
    """Ticking "Initial" makes the status initial; leaving it unticked changes nothing (the
    initial status's box cannot be unticked: another status must become initial)."""
    if status is not None and status.is_initial:
        return None
    return True if form.cleaned_data.get("is_initial") else None


@login_required
@require_POST
def status_add(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    form = _status_form(None, request.POST)
    status_code = 400
    if form.is_valid():
        try:
            created = status_create(
                project=access.project,
                fields=form.changes(),
                make_initial=bool(_make_initial(form, None)),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status_code = exc.status_code
        else:
            messages.success(request, f"Status '{created.name}' added.")
            return _back(access, "statuses")
    return _render(request, access, status_form=(None, form), status=status_code)


@login_required
@require_POST
def status_edit(request: HttpRequest, project_id: int, status_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    status = _status_or_404(access, status_id)
    form = _status_form(status, request.POST)
    status_code = 400
    if form.is_valid():
        changes = {k: v for k, v in form.changes().items() if k in form.changed_data}
        make_initial = _make_initial(form, status)
        if not changes and not make_initial:
            messages.info(request, f"Nothing changed in '{status.name}'.")
            return _back(access, "statuses")
        try:
            status = status_update(status=status, changes=changes, make_initial=make_initial)
        except DomainError as exc:
            add_domain_error(form, exc)
            status_code = exc.status_code
        else:
            messages.success(request, f"Status '{status.name}' saved.")
            return _back(access, "statuses")
    return _render(request, access, status_form=(status, form), status=status_code)


@login_required
@require_POST
def status_move_view(request: HttpRequest, project_id: int, status_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    status = _status_or_404(access, status_id)
    offset = _offset(request)
    try:
        status_move(status=status, offset=offset)
    except DomainError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"Moved '{status.name}' {'up' if offset < 0 else 'down'}.")
    return _back(access, "statuses")


@login_required
@require_POST
def status_retire(request: HttpRequest, project_id: int, status_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    status = _status_or_404(access, status_id)
    retire = request.POST.get("retired") == "1"
    try:
        status = status_update(status=status, changes={"retired": retire})
    except DomainError as exc:
        messages.error(request, _message(exc))
        return _back(access, "statuses")
    row = status_list_with_use(access=access).get(pk=status.pk)
    if retire:
        messages.success(
            request,
            f"'{status.name}' is retired and can no longer be given to spans. "
            + _kept(row.span_count, row.gold_count, "status"),
        )
    else:
        messages.success(request, f"'{status.name}' is back in use.")
    return _back(access, "statuses")


@login_required
@require_POST
def status_remove(request: HttpRequest, project_id: int, status_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    status = _status_or_404(access, status_id)
    try:
        status_delete(status=status)
    except DomainError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"Status '{status.name}' deleted.")
    return _back(access, "statuses")


def _message(exc: DomainError) -> str:
    """A domain error as one sentence (a row's button has no field to show it next to)."""
    if isinstance(exc.detail, dict):
        return " ".join(" ".join(messages_) for messages_ in exc.detail.values())
    return str(exc.detail)


_label = "projects/<int:project_id>/labels/<int:label_id>"
_status = "projects/<int:project_id>/statuses/<int:status_id>"
urlpatterns: list[URLPattern] = [
    path("projects/<int:project_id>/labels/", labels_page, name="console-labels"),
    path("projects/<int:project_id>/labels/add/", label_add, name="console-label-add"),
    path(f"{_label}/", label_edit, name="console-label-edit"),
    path(f"{_label}/move/", label_move_view, name="console-label-move"),
    path(f"{_label}/retire/", label_retire, name="console-label-retire"),
    path(f"{_label}/delete/", label_remove, name="console-label-delete"),
    path("projects/<int:project_id>/statuses/add/", status_add, name="console-status-add"),
    path(f"{_status}/", status_edit, name="console-status-edit"),
    path(f"{_status}/move/", status_move_view, name="console-status-move"),
    path(f"{_status}/retire/", status_retire, name="console-status-retire"),
    path(f"{_status}/delete/", status_remove, name="console-status-delete"),
]
