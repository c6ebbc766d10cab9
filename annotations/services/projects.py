"""Writes to a project's set-up: the project itself, its members and roles, its labels and its
verification statuses.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from annotations.errors import Conflict, InvalidInput
from annotations.models import (
    GoldSpan,
    Label,
    Membership,
    Project,
    Role,
    Span,
    VerificationStatus,
)
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


@transaction.atomic
def membership_add(*, project: Project, user: AbstractBaseUser, role: str) -> Membership:
    if Membership.objects.filter(project=project, user=user).exists():
        raise Conflict(
            f"{user.get_username()} is already a member of this project; change their role instead.",
            code="already_member",
        )
    return Membership.objects.create(project=project, user=user, role=role)


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    _lock_project(membership.project_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.MANAGER and role != Role.MANAGER:
        _check_not_last_manager(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    _lock_project(membership.project_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.MANAGER:
        _check_not_last_manager(membership)
    membership.delete()


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
    if Span.objects.filter(label=label).exists():
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
    if status.is_initial:
        raise Conflict(
            "The initial status cannot be deleted; make another status initial first.",
            code="status_initial",
        )
    if Span.objects.filter(status=status).exists():
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
    save_changes(project, changes)
    return project


@transaction.atomic
def label_create(*, project: Project, fields: dict[str, Any]) -> Label:
    return Label.objects.create(project=project, **fields)


@transaction.atomic
def label_update(*, label: Label, changes: dict[str, Any]) -> Label:
    """Rename, recolour, reorder or retire; spans keep pointing at the label."""
    save_changes(label, changes)
    return label


@transaction.atomic
def status_create(
    *, project: Project, fields: dict[str, Any], make_initial: bool = False
) -> VerificationStatus:
    status = VerificationStatus.objects.create(project=project, **{**fields, "is_initial": False})
    if make_initial:
        status = status_save_initial(status=status)
    return status


@transaction.atomic
def status_update(
    *, status: VerificationStatus, changes: dict[str, Any], make_initial: bool | None = None
) -> VerificationStatus:
    """``make_initial``: ``True`` makes it the initial status, ``None`` leaves that as it is;
    ``False`` is refused for the initial status (make another one initial instead)."""
    if make_initial is False and status.is_initial:
        raise Conflict(
            "Make another status initial instead of unsetting this one.", code="status_initial"
        )
    if changes.get("retired") and status.is_initial:
        raise Conflict(
            "The initial status cannot be retired; make another status initial first.",
            code="status_initial",
        )
    save_changes(status, changes)
    if make_initial:
        status = status_save_initial(status=status)
    return status
