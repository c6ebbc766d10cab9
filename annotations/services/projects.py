"""Writes to a project's set-up: the project itself, its members and roles, its labels and its
verification statuses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.text import slugify

from annotations.errors import Conflict, InvalidInput
from annotations.markdown import MAX_MARKDOWN_CHARS
from annotations.models import (
    GoldSpan,
    Label,
    Membership,
    Project,
    Role,
    Span,
    VerificationStatus,
)
from annotations.permissions import check_project_open
from annotations.selectors.projects import project_labels, project_statuses
from annotations.services.assignments import assignments_drop_open, assignments_move_open
from annotations.services.changes import save_changes

DEFAULT_LABELS: tuple[tuple[str, str, str, str], ...] = (
    ("claim", "Claim", "#1f77b4", "1"),
    ("denial", "Denial", "#d62728", "2"),
    ("verifiable_fact", "Verifiable fact", "#2ca02c", "3"),
)


# key, name, colour, is_initial, is_final
DEFAULT_STATUSES: tuple[tuple[str, str, str, bool, bool], ...] = (
    ("unverified", "Unverified", "#9e9e9e", True, False),
    ("true", "True", "#2e7d32", False, True),
    ("false", "False", "#c62828", False, True),
    ("misleading", "Misleading", "#ef6c00", False, True),
    ("unverifiable", "Unverifiable", "#6a1b9a", False, True),
)


@transaction.atomic
def project_create(
    *,
    creator: AbstractBaseUser,
    name: str,
    description: str = "",
    guidelines: str = "",
    annotators_per_document: int = 3,
    blind: bool = True,
) -> Project:
    """A project with its creator as manager and the default labels and statuses."""
    check_project_fields(
        {
            "name": name,
            "guidelines": guidelines,
            "annotators_per_document": annotators_per_document,
        }
    )
    project = Project.objects.create(
        name=name,
        description=description,
        guidelines=guidelines,
        annotators_per_document=annotators_per_document,
        blind=blind,
        created_by=creator,
    )
    Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
    Label.objects.bulk_create(
        Label(project=project, key=key, name=name_, color=color, shortcut=shortcut, order=i)
        for i, (key, name_, color, shortcut) in enumerate(DEFAULT_LABELS)
    )
    VerificationStatus.objects.bulk_create(
        VerificationStatus(
            project=project,
            key=key,
            name=name_,
            color=color,
            is_initial=initial,
            is_final=final,
            order=i,
        )
        for i, (key, name_, color, initial, final) in enumerate(DEFAULT_STATUSES)
    )
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete a project and everything in it. Spans and gold spans go first: their labels and
    statuses are PROTECTed foreign keys, which Django's cascade would otherwise refuse to delete."""
    GoldSpan.objects.filter(project=project).delete()  # with their evidence and verdict history
    Span.objects.filter(project=project).delete()
    project.delete()


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidInput({"role": f"Unknown role {role!r}; use one of {', '.join(Role.values)}."})


@transaction.atomic
def membership_add(*, project: Project, user: AbstractBaseUser, role: str) -> Membership:
    _check_role(role)
    if Membership.objects.filter(project=project, user=user).exists():
        raise Conflict(
            f"{user.get_username()} is already a member of this project; change their role instead.",
            code="already_member",
        )
    return Membership.objects.create(project=project, user=user, role=role)


def _user_by_login(login: str, *, field: str, by_username: bool) -> AbstractBaseUser:
    """The active user whose username is ``login`` (exactly, as they log in) or, failing that,
    whose email address is (ignoring case). ``field`` names the input in the error."""
    login = login.strip()
    if not login:
        raise InvalidInput({field: "Give a username or an email address."})
    users = get_user_model().objects.filter(is_active=True)
    if by_username:
        user = users.filter(username=login).first()
        if user is not None:
            return user
    matches = list(users.filter(email__iexact=login)[:2]) if "@" in login else []
    if len(matches) > 1:
        raise InvalidInput({field: f"Several accounts use {login}; give the username instead."})
    if not matches:
        what = "username or email address" if by_username else "email address"
        raise InvalidInput(
            {field: f"No account has the {what} {login!r}. Create an account for them instead."}
        )
    return matches[0]


@transaction.atomic
def membership_add_by_login(
    *, project: Project, role: str, username: str = "", email: str = ""
) -> Membership:
    """Add an existing user named by ``username`` (which may also be an email address) or by
    ``email``; an unknown or ambiguous name is an ``InvalidInput`` naming that field."""
    _check_role(role)
    if username:
        user = _user_by_login(username, field="username", by_username=True)
    else:
        user = _user_by_login(email, field="email", by_username=False)
    return membership_add(project=project, user=user, role=role)


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    _check_role(role)
    _lock_project(membership.project_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.MANAGER and role != Role.MANAGER:
        _check_not_last_manager(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@dataclass(frozen=True, slots=True)
class MemberRemoval:
    """What became of the removed member's open assignments: ``reassigned`` to other annotators,
    ``unassigned`` (their documents back in the pool that distribution fills)."""

    reassigned: int
    unassigned: int


@transaction.atomic
def membership_remove(*, membership: Membership, reassign_open: bool = False) -> MemberRemoval:
    """Remove a member. Their spans, submitted and skipped work stay; their open assignments go to
    other annotators, least-loaded first (``reassign_open``; what no one can take is unassigned),
    or are unassigned, so that no document waits for someone who can no longer open it."""
    _lock_project(membership.project_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.MANAGER:
        _check_not_last_manager(membership)
    reassigned = unassigned = 0
    if membership.project.archived_at is None:
        if reassign_open:
            reassigned = assignments_move_open(
                project=membership.project, from_user_id=membership.user_id
            ).moved
        unassigned = assignments_drop_open(project=membership.project, user_id=membership.user_id)
    elif reassign_open:
        check_project_open(membership.project)  # an archived project's work stays as it was
    # An archived project is frozen: access can still be withdrawn, the assignments stay a record.
    membership.delete()
    return MemberRemoval(reassigned=reassigned, unassigned=unassigned)


def _lock_project(project_id: int) -> None:
    """Serialise membership changes of one project. Locking only the memberships involved lets two
    managers who step down at once each hold their own row and wait for the other's: deadlock."""
    Project.objects.select_for_update().filter(pk=project_id).first()


def _check_not_last_manager(membership: Membership) -> None:
    managers = Membership.objects.select_for_update().filter(
        project_id=membership.project_id, role=Role.MANAGER
    )
    if not managers.exclude(pk=membership.pk).exists():
        raise Conflict(
            "A project needs at least one manager; add another manager first.", code="last_manager"
        )


@transaction.atomic
def label_delete(*, label: Label) -> None:
    check_project_open(label.project)
    if Span.objects.filter(label=label).exists() or GoldSpan.objects.filter(label=label).exists():
        raise Conflict(
            f"Label '{label.key}' is used by spans; retire it instead (PATCH retired=true) so the "
            "spans keep their label.",
            code="label_in_use",
        )
    label.delete()


@transaction.atomic
def status_save_initial(*, status: VerificationStatus) -> VerificationStatus:
    """Make ``status`` the project's initial status (there is exactly one)."""
    if status.retired:
        raise InvalidInput({"is_initial": "A retired status cannot be the initial status."})
    VerificationStatus.objects.filter(project_id=status.project_id, is_initial=True).exclude(
        pk=status.pk
    ).update(is_initial=False)
    status.is_initial = True
    status.save()
    return status


@transaction.atomic
def status_delete(*, status: VerificationStatus) -> None:
    check_project_open(status.project)
    if status.is_initial:
        raise Conflict(
            "The initial status cannot be deleted; make another status initial first.",
            code="status_initial",
        )
    if (
        Span.objects.filter(status=status).exists()
        or GoldSpan.objects.filter(status=status).exists()
    ):
        raise Conflict(
            f"Status '{status.key}' is used by spans; retire it instead (PATCH retired=true).",
            code="status_in_use",
        )
    status.delete()


def initial_status(project: Project) -> VerificationStatus:
    status = VerificationStatus.objects.filter(project=project, is_initial=True).first()
    if status is None:
        raise Conflict(
            "The project has no initial verification status; a manager must set one.",
            code="no_initial_status",
        )
    return status


@transaction.atomic
def project_update(*, project: Project, changes: dict[str, Any]) -> Project:
    """Change a project's settings (not while it is archived: unarchive it first)."""
    check_project_open(project)
    check_project_fields(changes)
    save_changes(project, changes)
    return project


MAX_ANNOTATORS_PER_DOCUMENT = 50


def check_project_fields(fields: dict[str, Any]) -> None:
    """The rules of a project's settings, for the fields in ``fields``, every problem at once."""
    errors: dict[str, str] = {}
    if "name" in fields and not str(fields["name"] or "").strip():
        errors["name"] = "Give the project a name."
    if "annotators_per_document" in fields:
        overlap = fields["annotators_per_document"]
        if not isinstance(overlap, int) or not 1 <= overlap <= MAX_ANNOTATORS_PER_DOCUMENT:
            errors["annotators_per_document"] = (
                f"Between 1 and {MAX_ANNOTATORS_PER_DOCUMENT} annotators per document."
            )
    for field in ("guidelines", "description"):
        if len(str(fields.get(field) or "")) > MAX_MARKDOWN_CHARS:
            errors[field] = (
                f"At most {MAX_MARKDOWN_CHARS:,} characters; link to a longer document instead."
            )
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def project_archive(*, project: Project) -> Project:
    """Archive the project: kept whole, read only (``permissions.check_project_open``) and listed
    apart. Archiving an archived project changes nothing (it keeps its first date)."""
    return _set_archived(project, archived=True)


def _set_archived(project: Project, *, archived: bool) -> Project:
    """Lock the project's row and set ``archived_at``; ``project`` (the caller's object) is
    updated too and returned."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if (locked.archived_at is not None) != archived:
        locked.archived_at = timezone.now() if archived else None
        locked.save(update_fields=["archived_at", "updated_at"])
    project.archived_at, project.updated_at = locked.archived_at, locked.updated_at
    return project


@transaction.atomic
def project_unarchive(*, project: Project) -> Project:
    """Make an archived project writable again (an open project stays as it is)."""
    return _set_archived(project, archived=False)


# --- labels and statuses --------------------------------------------------------------------------
#
# The rules of a label's and a status's fields live here, so that the API and the labels page
# answer alike; each problem is an ``InvalidInput`` naming its field, all found at once. Names and
# keys are unique per project (names ignoring case), a label's hotkey among the project's active
# labels; the database's constraints hold the same rules, and a clash that slips in between the
# check and the write (two managers at once) is answered as the check would have.

# Keys the workspace keeps for its own commands (frontend/src/workspace/keyboard.ts): a label's
# hotkey is looked up first there, so one of these would take the command's place.
WORKSPACE_KEYS: dict[str, str] = {
    "j": "next span",
    "k": "previous span",
    "e": "edit the span",
    "n": "next document",
    "g": "guidelines",
    "?": "keyboard help",
}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_KEY = re.compile(r"^[-a-zA-Z0-9_]+$")  # a slug, as Django's SlugField
_KEY_MAX = 64
_NAME_MAX = 100
_DESCRIPTION_MAX = 200

Vocabulary = Label | VerificationStatus


def _noun(model: type[Vocabulary]) -> str:
    return "label" if model is Label else "status"


def _check_vocabulary_fields(
    model: type[Vocabulary],
    project: Project,
    values: dict[str, Any],
    instance: Vocabulary | None,
    errors: dict[str, str],
) -> None:
    """The checks labels and statuses share: key, name, colour, description."""
    noun = _noun(model)
    others = model.objects.filter(project=project)
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    key = values.get("key")
    if key is not None and (instance is None or key != instance.key):
        if not _KEY.match(key) or len(key) > _KEY_MAX:
            errors["key"] = (
                f"Letters, digits, '_' and '-' only, at most {_KEY_MAX} (e.g. 'verifiable_fact')."
            )
        elif others.filter(key=key).exists():
            errors["key"] = f"The key {key!r} is already used by another {noun} of this project."
    name = values.get("name")
    if name is not None:
        if not name:
            errors["name"] = f"Give the {noun} a name."
        elif len(name) > _NAME_MAX:
            errors["name"] = f"At most {_NAME_MAX} characters."
        else:
            clash = others.filter(name__iexact=name).first()
            if clash is not None:
                errors["name"] = (
                    f"The name {name!r} is already used by the {noun} '{clash.name}' of this "
                    "project (names ignore case)."
                )
    color = values.get("color")
    if color is not None and not _COLOR.match(color):
        errors["color"] = "A colour is # and six hex digits, e.g. #1f77b4."
    description = values.get("description")
    if description is not None:
        if "\n" in description or "\r" in description:
            errors["description"] = "One line only: the workspace shows it on hover."
        elif len(description) > _DESCRIPTION_MAX:
            errors["description"] = f"At most {_DESCRIPTION_MAX} characters."


def _check_hotkey(project: Project, values: dict[str, Any], instance: Label | None) -> str | None:
    """The problem with the label's hotkey as it would be after the change, if any."""
    hotkey = values.get("shortcut", instance.shortcut if instance else "")
    retired = values.get("retired", instance.retired if instance else False)
    if "shortcut" in values and hotkey:
        if len(hotkey) != 1:
            return "A hotkey is one character, e.g. 4 or a."
        if unicodedata.category(hotkey)[0] in ("C", "Z"):
            return "A hotkey is a visible character, not a space or a control character."
        if hotkey in WORKSPACE_KEYS:
            return (
                f"The workspace uses {hotkey!r} for '{WORKSPACE_KEYS[hotkey]}'; choose another key."
            )
    if not hotkey or retired:
        return None  # a retired label's hotkey is free for others
    clash = Label.objects.filter(project=project, shortcut=hotkey, retired=False)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    holder = clash.first()
    if holder is None:
        return None
    if instance is not None and "shortcut" not in values:  # unretiring
        return (
            f"Its hotkey {hotkey!r} is now used by the label '{holder.name}': give this label "
            "another hotkey (or none) to bring it back."
        )
    return f"The hotkey {hotkey!r} is already used by the label '{holder.name}'."


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Names and descriptions without surrounding spaces (what the API's fields do too)."""
    cleaned = dict(values)
    for field in ("name", "description", "key"):
        if isinstance(cleaned.get(field), str):
            cleaned[field] = cleaned[field].strip()
    return cleaned


def _free_key(model: type[Vocabulary], project: Project, name: str) -> str:
    """A key made from ``name`` ("Verifiable fact" -> "verifiable_fact") that the project does not
    use yet (``_2``, ``_3`` ... appended when it does)."""
    base = slugify(name).replace("-", "_")[: _KEY_MAX - 8] or _noun(model)
    taken = set(
        model.objects.filter(project=project, key__startswith=base).values_list("key", flat=True)
    )
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _next_order(model: type[Vocabulary], project: Project) -> int:
    last = model.objects.filter(project=project).aggregate(last=Max("order"))["last"]
    return 0 if last is None else last + 1


# Constraint name -> (field, message): a clash that passed the check because another request
# wrote at the same moment.
_CONSTRAINT_FIELDS: dict[str, tuple[str, str]] = {
    "label_unique_key_per_project": ("key", "Another label of this project took this key."),
    "label_unique_name_per_project": ("name", "Another label of this project took this name."),
    "label_unique_active_shortcut_per_project": (
        "shortcut",
        "Another label of this project took this hotkey.",
    ),
    "label_color_hex": ("color", "A colour is # and six hex digits, e.g. #1f77b4."),
    "status_unique_key_per_project": ("key", "Another status of this project took this key."),
    "status_unique_name_per_project": ("name", "Another status of this project took this name."),
    "status_color_hex": ("color", "A colour is # and six hex digits, e.g. #1f77b4."),
}


def _save_checked(instance: Model) -> None:
    """Save ``instance`` in a savepoint; a constraint of ``_CONSTRAINT_FIELDS`` that refuses it
    is an ``InvalidInput`` naming the field, any other goes on as the ``IntegrityError`` it is."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        name = getattr(diag, "constraint_name", None) or str(exc)
        for constraint, (field, message) in _CONSTRAINT_FIELDS.items():
            if constraint in name:
                raise InvalidInput({field: message}) from exc
        raise


def _check_label(project: Project, values: dict[str, Any], instance: Label | None) -> None:
    errors: dict[str, str] = {}
    _check_vocabulary_fields(Label, project, values, instance, errors)
    problem = _check_hotkey(project, values, instance)
    if problem:
        errors["shortcut"] = problem
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def label_create(*, project: Project, fields: dict[str, Any]) -> Label:
    """A new label, placed after the others unless ``order`` is given. Without a ``key``, one is
    made from the name."""
    check_project_open(project)
    values = _clean(fields)
    if not values.get("key"):
        values["key"] = _free_key(Label, project, values.get("name", ""))
    _check_label(project, values, None)
    values.setdefault("order", _next_order(Label, project))
    label = Label(project=project, **values)
    _save_checked(label)
    return label


@transaction.atomic
def label_update(*, label: Label, changes: dict[str, Any]) -> Label:
    """Rename, recolour, re-key, describe, set or clear the hotkey, retire or bring back; spans
    keep pointing at the label (a retired one cannot be used for new spans)."""
    label = Label.objects.select_for_update(of=("self",)).select_related("project").get(pk=label.pk)
    check_project_open(label.project)
    values = _clean(changes)
    _check_label(label.project, values, label)
    for field, value in values.items():
        setattr(label, field, value)
    _save_checked(label)
    return label


def _check_sequence(rows: Sequence[Vocabulary], ids: Sequence[int], noun: str) -> None:
    known = {row.pk for row in rows}
    repeated = sorted({i for i in ids if list(ids).count(i) > 1})
    unknown = sorted(set(ids) - known)
    missing = sorted(known - set(ids))
    problems = []
    if repeated:
        problems.append(f"repeats {repeated}")
    if unknown:
        problems.append(f"names no {noun} of this project: {unknown}")
    if missing:
        problems.append(f"leaves out {missing}")
    if problems:
        listed = ", ".join(problems)
        raise InvalidInput(
            {"ids": f"Give every {noun} of the project exactly once; this list {listed}."}
        )


def _has_active_hotkey(label: Label) -> bool:
    return bool(label.shortcut) and not label.retired


@transaction.atomic
def labels_reorder(*, project: Project, ordered_ids: Sequence[int]) -> list[Label]:
    """Put the project's labels in the order of ``ordered_ids`` (every label, once).

    Labels are listed in hotkey order (``selectors.projects.label_hotkey_order``), so the labels
    with a hotkey come first and their places go with their hotkeys: reordering them hands the
    same hotkeys out again in the new order (``[Denial (2), Claim (1)]`` gives Denial 1 and Claim
    2). The others (no hotkey, or retired) follow in the given order (their ``order``). A list that
    puts a label with a hotkey after one without is refused: give the latter a hotkey to move it
    up. Returns the labels in their new order."""
    check_project_open(project)
    labels = list(Label.objects.select_for_update().filter(project=project))
    ids = list(ordered_ids)
    _check_sequence(labels, ids, "label")
    by_id = {label.pk: label for label in labels}
    sequence = [by_id[i] for i in ids]
    keyed = [label for label in sequence if _has_active_hotkey(label)]
    first_plain = next(
        (i for i, label in enumerate(sequence) if not _has_active_hotkey(label)), len(sequence)
    )
    late = next((label for label in sequence[first_plain:] if _has_active_hotkey(label)), None)
    if late is not None:
        plain = sequence[first_plain]
        raise InvalidInput(
            {
                "ids": f"Labels with a hotkey come first, in hotkey order: '{late.name}' "
                f"({late.shortcut}) cannot follow '{plain.name}', which has no hotkey. Give "
                f"'{plain.name}' a hotkey to move it up."
            }
        )
    changed = [
        (label, hotkey)
        for label, hotkey in zip(keyed, sorted(label.shortcut for label in keyed), strict=True)
        if label.shortcut != hotkey
    ]
    if changed:
        # Free the hotkeys that move first: the unique constraint on active hotkeys is checked
        # row by row, so a swap in one statement would clash with itself.
        Label.objects.filter(pk__in=[label.pk for label, _ in changed]).update(shortcut="")
        for label, hotkey in changed:
            label.shortcut = hotkey
    for position, label in enumerate(sequence):
        label.order = position
    Label.objects.bulk_update(sequence, ["shortcut", "order"])
    return list(project_labels(project=project))


def _moved(ids: list[int], pk: int, offset: int) -> list[int] | None:
    """``ids`` with ``pk`` moved by ``offset`` places; None at either end."""
    index = ids.index(pk)
    target = index + offset
    if not 0 <= target < len(ids):
        return None
    ids[index], ids[target] = ids[target], ids[index]
    return ids


@transaction.atomic
def label_move(*, label: Label, offset: int) -> list[Label]:
    """Move a label one place up (``offset=-1``) or down (``+1``) in hotkey order, as
    ``labels_reorder`` does (two labels with hotkeys trade them). At either end nothing moves."""
    project = Project.objects.get(pk=label.project_id)
    ids = [row.pk for row in project_labels(project=project)]
    moved = _moved(ids, label.pk, offset)
    if moved is None:
        check_project_open(project)
        return list(project_labels(project=project))
    return labels_reorder(project=project, ordered_ids=moved)


def _check_status(
    project: Project, values: dict[str, Any], instance: VerificationStatus | None
) -> None:
    errors: dict[str, str] = {}
    _check_vocabulary_fields(VerificationStatus, project, values, instance, errors)
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def status_create(
    *, project: Project, fields: dict[str, Any], make_initial: bool = False
) -> VerificationStatus:
    """A new status, placed after the others unless ``order`` is given; ``make_initial`` makes it
    the one given to new spans. Without a ``key``, one is made from the name."""
    check_project_open(project)
    values = _clean({**fields, "is_initial": False})
    if not values.get("key"):
        values["key"] = _free_key(VerificationStatus, project, values.get("name", ""))
    _check_status(project, values, None)
    values.setdefault("order", _next_order(VerificationStatus, project))
    status = VerificationStatus(project=project, **values)
    _save_checked(status)
    if make_initial:
        status = status_save_initial(status=status)
    return status


@transaction.atomic
def status_update(
    *, status: VerificationStatus, changes: dict[str, Any], make_initial: bool | None = None
) -> VerificationStatus:
    """``make_initial``: ``True`` makes it the initial status, ``None`` leaves that as it is;
    ``False`` is refused for the initial status (make another one initial instead)."""
    status = (
        VerificationStatus.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=status.pk)
    )
    check_project_open(status.project)
    if make_initial is False and status.is_initial:
        raise Conflict(
            "Make another status initial instead of unsetting this one.", code="status_initial"
        )
    if changes.get("retired") and status.is_initial:
        raise Conflict(
            "The initial status cannot be retired; make another status initial first.",
            code="status_initial",
        )
    values = _clean(changes)
    _check_status(status.project, values, status)
    for field, value in values.items():
        setattr(status, field, value)
    _save_checked(status)
    if make_initial:
        status = status_save_initial(status=status)
    return status


@transaction.atomic
def statuses_reorder(*, project: Project, ordered_ids: Sequence[int]) -> list[VerificationStatus]:
    """Put the project's statuses in the order of ``ordered_ids`` (every status, once)."""
    check_project_open(project)
    statuses = list(VerificationStatus.objects.select_for_update().filter(project=project))
    ids = list(ordered_ids)
    _check_sequence(statuses, ids, "status")
    by_id = {status.pk: status for status in statuses}
    sequence = [by_id[i] for i in ids]
    for position, status in enumerate(sequence):
        status.order = position
    VerificationStatus.objects.bulk_update(sequence, ["order"])
    return list(project_statuses(project=project))


@transaction.atomic
def status_move(*, status: VerificationStatus, offset: int) -> list[VerificationStatus]:
    """Move a status one place up (``offset=-1``) or down (``+1``); at either end nothing moves."""
    project = Project.objects.get(pk=status.project_id)
    ids = [row.pk for row in project_statuses(project=project)]
    moved = _moved(ids, status.pk, offset)
    if moved is None:
        check_project_open(project)
        return list(project_statuses(project=project))
    return statuses_reorder(project=project, ordered_ids=moved)
