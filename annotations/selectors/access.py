"""A project as one user may see it, found in one query per request.

A user who is not a member of a project gets ``None`` here, and the views answer 404 for it and
for everything inside it, so an outsider cannot even learn that an object exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from annotations.models import Project

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    """A project as one user may see it."""

    project: Project
    role: str


# The two queries every request inside a project makes, written by hand: compiling them through
# the ORM cost more CPU than the database spent answering (see bench/api.py).
_ACCESS_SQL = """
SELECT p.*, m.role AS membership_role
  FROM annotations_project p JOIN annotations_membership m ON m.project_id = p.id
 WHERE p.id = %s AND m.user_id = %s
"""


_MAX_ID = 2**63 - 1  # bigint: a larger number can name no row (and would be a database error)


def as_id(value: object) -> int | None:
    """``value`` as a row id, or ``None`` when it cannot name a row (not an integer, or out of
    the bigint range, which the database would refuse with an error rather than find nothing)."""
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= _MAX_ID else None


def project_access(*, user: User, project_id: object) -> ProjectAccess | None:
    """The project and the user's role in it; ``None`` for non-members and malformed ids."""
    pk = as_id(project_id)
    if pk is None or not user.is_authenticated:
        return None
    projects = list(Project.objects.raw(_ACCESS_SQL, [pk, user.pk]))
    if not projects:
        return None
    return ProjectAccess(project=projects[0], role=projects[0].membership_role)
