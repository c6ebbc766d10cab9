"""Every access rule inside a project, each a named function over one ``ProjectAccess``.

The first rule is membership: ``selectors.access.project_access`` finds nothing for a user who is
not a member, and the views answer 404 for the project and everything inside it. The rules below
decide what each role may see and do once inside. ``can_*`` answer a question; ``check_*`` raise
the domain error the API answers with (``NotFound`` → 404 where the API must not reveal that a
thing exists, ``Forbidden`` → 403 otherwise). No other module compares roles: a new rule goes here,
with its row in the persona table of ``tests/test_permissions.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from annotations.errors import Conflict, Forbidden, NotFound
from annotations.models import AssignmentState, Role

if TYPE_CHECKING:
    from annotations.models import Assignment, Document, Project, Span
    from annotations.selectors.access import ProjectAccess

# For queries that filter by role (the rules below are the same sets as functions).
MANAGING_ROLES: tuple[str, ...] = (Role.MANAGER,)
REVIEWING_ROLES: tuple[str, ...] = (Role.MANAGER, Role.REVIEWER)

AccessRule = Callable[["ProjectAccess"], bool]


def can_manage(access: ProjectAccess) -> bool:
    """Managers set up the project: members, labels, statuses, documents, assignments, imports;
    they see every job of the project."""
    return access.role in MANAGING_ROLES


def can_review(access: ProjectAccess) -> bool:
    """Managers and reviewers see every document, span and member, and adjudicate, measure
    agreement and export."""
    return access.role in REVIEWING_ROLES


def can_annotate(access: ProjectAccess) -> bool:
    """Every member writes spans of their own (annotators only on their documents:
    ``can_add_spans``) and works through their own assignments."""
    return access.role in (Role.MANAGER, Role.REVIEWER, Role.ANNOTATOR)


def can_add_spans(access: ProjectAccess, document: Document) -> bool:
    """Managers and reviewers annotate any document; annotators the documents assigned to them
    and not skipped (``document`` as ``selectors.documents.visible_document`` returns it, with
    the annotator's ``assignment_state``)."""
    if can_review(access):
        return True
    return getattr(document, "assignment_state", None) not in (None, AssignmentState.SKIPPED)


def can_create_accounts(access: ProjectAccess) -> bool:
    """Managers create accounts for new colleagues (a user with no password yet and a membership
    of this project) and hand over their one-time set-password links."""
    return can_manage(access)


def can_change_project(my_role: str | None) -> bool:
    """Only the project's managers rename, edit or delete it (``my_role`` as ``project_list``
    annotates it)."""
    return my_role in MANAGING_ROLES


def can_comment_without_adjudication(access: ProjectAccess) -> bool:
    """Reviewers and managers discuss any document at any time; annotators of a blind project only
    once it is adjudicated (before, a thread would show them the others' work)."""
    return can_review(access) or not access.project.blind


def check_review(access: ProjectAccess) -> None:
    """Adjudication, agreement, the dashboard and exports: annotators get 404, so the API does not
    reveal them."""
    if not can_review(access):
        raise NotFound("Not found.")


def check_add_spans(access: ProjectAccess, document: Document) -> None:
    if not can_add_spans(access, document):
        raise Forbidden("This document is not assigned to you (or you skipped it).")


def check_own_span(user: Any, span: Span) -> None:
    """Everyone, managers included, changes only their own spans."""
    if span.annotator_id != user.pk:
        raise Forbidden("You can change only your own spans.")


def check_change_assignment(access: ProjectAccess, user: Any, assignment: Assignment) -> None:
    if assignment.annotator_id != user.pk and not can_manage(access):
        raise Forbidden("Only the annotator or a manager may change this assignment.")


def can_act_on_documents(access: ProjectAccess, action: str) -> bool:
    """The documents table's bulk actions: managers assign, unassign and delete documents;
    reviewers (and managers) export them."""
    if action == "export":
        return can_review(access)
    return can_manage(access)


def check_act_on_documents(access: ProjectAccess, action: str) -> None:
    """Annotators get 404 (the documents table is not theirs); a reviewer asking for a manager's
    action gets 403."""
    check_review(access)
    if not can_act_on_documents(access, action):
        raise Forbidden("Only the project's managers assign, unassign or delete documents.")


def check_create_accounts(access: ProjectAccess) -> None:
    if not can_create_accounts(access):
        raise Forbidden("Only the project's managers may create accounts.")


def check_change_project(my_role: str | None) -> None:
    if not can_change_project(my_role):
        raise Forbidden("Only the project's managers may change or delete it.")


def check_project_open(project: Project) -> None:
    """An archived project is read only, for every role: no new spans or span edits, no
    documents, assignments, imports, gold spans, comments, labels or statuses, no settings change,
    until a manager unarchives it. Reads and exports go on; members may still be added or
    removed, and the project unarchived or deleted. Takes the project rather than an access, so
    that the services that write check it whoever calls them (API, pages, commands, jobs)."""
    if project.archived_at is not None:
        raise Conflict(
            f"The project '{project.name}' is archived, so it is read only. A manager can "
            "unarchive it on the project's settings page (or POST "
            f"/api/v1/projects/{project.pk}/unarchive/).",
            code="project_archived",
        )


def check_comment(access: ProjectAccess, user: Any, span: Span | None) -> None:
    """Annotators comment only on their own spans; reviewers and managers anywhere."""
    if not can_review(access) and (span is None or span.annotator_id != user.pk):
        raise Forbidden("Annotators comment only on their own spans.")


class ProjectRolePermission(BasePermission):
    """DRF's side of the rules for views under ``/projects/{id}/``: reads are open to every member
    (the view's selectors scope what each role sees); a write needs the view's ``write_rule``
    (default ``can_manage``), and a view may name a rule per action in ``action_rules``."""

    message = "Your role in this project does not allow this."

    def has_permission(self, request: Any, view: Any) -> bool:
        access = getattr(view, "access", None)
        if access is None:
            return True  # views outside a project scope their own querysets
        action = getattr(view, "action", None)
        if action is None and hasattr(view, "action_map"):
            # A method this route does not offer: let the view answer 405 to every member alike.
            return True
        rule: AccessRule | None = getattr(view, "action_rules", {}).get(action)
        if rule is None:
            if request.method in SAFE_METHODS:
                return True
            # Read from the class: a function stored as a class attribute is not bound to it.
            rule = getattr(type(view), "write_rule", can_manage)
        return rule(access)
