"""Role checks inside a project. Membership itself is checked by ``selectors.project_access``,
which answers 404 to outsiders before any of these run."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from annotations.models import Role


class ProjectRolePermission(BasePermission):
    """Reads are open to every member; writes need one of the view's ``write_roles``
    (default: managers only). A view may refine per action with ``action_roles``."""

    message = "Your role in this project does not allow this."

    def has_permission(self, request: Any, view: Any) -> bool:
        access = getattr(view, "access", None)
        if access is None:
            return True  # views outside a project scope their own querysets
        action_roles = getattr(view, "action_roles", {})
        action = getattr(view, "action", None)
        if action is None and hasattr(view, "action_map"):
            # A method this route does not offer: let the view answer 405 to every member alike.
            return True
        if action in action_roles:
            return access.role in action_roles[action]
        if request.method in SAFE_METHODS:
            return True
        return access.role in getattr(view, "write_roles", (Role.MANAGER,))
