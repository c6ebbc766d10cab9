"""``{% project_nav current %}``: the links to a project's pages that the user's role may open.

Annotators see the project's overview only; reviewers also the documents table and the review
pages; managers also the pages that set the project up. The role is the one the view already
resolved (``access`` in the context) or, failing that, looked up once for the page's project.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from annotations.permissions import can_manage, can_review
from annotations.selectors.access import ProjectAccess, project_access

register = template.Library()

# (key, label, url name, who sees it), in the order of the menu.
_EVERYONE, _REVIEWERS, _MANAGERS = "everyone", "reviewers", "managers"
PROJECT_PAGES = (
    ("overview", "Overview", "page-project", _EVERYONE),
    ("documents", "Documents", "console-documents", _REVIEWERS),
    ("dashboard", "Dashboard", "page-dashboard", _REVIEWERS),
    ("adjudicate", "Adjudicate", "page-adjudication-queue", _REVIEWERS),
    ("exports", "Exports", "page-exports", _REVIEWERS),
    ("import", "Import", "console-import", _MANAGERS),
    ("assign", "Assign", "console-assignment", _MANAGERS),
    ("members", "Members", "console-members", _MANAGERS),
    ("labels", "Labels", "console-labels", _MANAGERS),
    ("settings", "Settings", "console-project-settings", _MANAGERS),
)


def _access(context: template.Context) -> ProjectAccess | None:
    access = context.get("access")
    if isinstance(access, ProjectAccess):
        return access
    project, request = context.get("project"), context.get("request")
    if project is None or request is None:
        return None
    return project_access(user=request.user, project_id=project.pk)


@register.inclusion_tag("annotations/_project_nav.html", takes_context=True)
def project_nav(context: template.Context, current: str = "") -> dict[str, Any]:
    access = _access(context)
    links = []
    if access is not None:
        allowed = {_EVERYONE}
        if can_review(access):
            allowed.add(_REVIEWERS)
        if can_manage(access):
            allowed.add(_MANAGERS)
        links = [
            {"key": key, "label": label, "url": reverse(name, args=[access.project.pk])}
            for key, label, name, who in PROJECT_PAGES
            if who in allowed
        ]
    return {"links": links, "current": current}
