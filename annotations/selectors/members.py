"""A project's members with the work each holds: the members page and the assignment page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from annotations.models import Assignment, AssignmentState, Membership, Project, Role

_ROLE_ORDER = {Role.MANAGER: 0, Role.REVIEWER: 1, Role.ANNOTATOR: 2}


@dataclass(frozen=True, slots=True)
class MemberWork:
    """One member and their assignments in the project: ``open`` (assigned or in progress),
    ``submitted`` and ``skipped``."""

    membership: Membership
    open: int
    submitted: int
    skipped: int

    @property
    def user(self):  # noqa: ANN201 - the user model
        return self.membership.user

    @property
    def password_set(self) -> bool:
        """False for an account whose set-password link was not used yet."""
        return self.membership.user.has_usable_password()


def member_work_list(*, project: Project) -> list[MemberWork]:
    """Every member with their assignment counts (two queries at any size), managers first, then
    reviewers, then annotators, each by username."""
    memberships = list(Membership.objects.filter(project=project).select_related("user"))
    counts: dict[tuple[int, str], int] = {
        (user_id, state): n
        for user_id, state, n in Assignment.objects.filter(project=project)
        .order_by()
        .values_list("annotator_id", "state")
        .annotate(n=Count("id"))
    }

    def count(user_id: int, *states: str) -> int:
        return sum(counts.get((user_id, state), 0) for state in states)

    rows = [
        MemberWork(
            membership=m,
            open=count(m.user_id, AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS),
            submitted=count(m.user_id, AssignmentState.SUBMITTED),
            skipped=count(m.user_id, AssignmentState.SKIPPED),
        )
        for m in memberships
    ]
    rows.sort(key=lambda r: (_ROLE_ORDER.get(r.membership.role, 9), r.user.get_username().lower()))
    return rows
