"""Console pages: members (see annotations/views/console/__init__.py).

``/projects/<id>/members/`` (managers only; everyone else gets 404): the members with their role
and their work; add an existing user by username or email address, change a role, remove a member
(after a confirmation that asks what becomes of their open assignments). The same page creates
accounts for new colleagues (annotations/views/console/accounts.py). Every change goes through the
service the API uses (annotations.services.projects), and what it refuses is shown next to the
field it names.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from annotations.errors import DomainError
from annotations.forms.errors import add_domain_error
from annotations.forms.members import (
    AccountCreateForm,
    MemberAddForm,
    MemberRemoveForm,
    MemberRoleForm,
)
from annotations.models import Membership, Role
from annotations.permissions import can_manage
from annotations.selectors.access import ProjectAccess, project_access
from annotations.selectors.members import member_work_list
from annotations.services.accounts import link_lifetime
from annotations.services.projects import (
    membership_add_by_login,
    membership_change_role,
    membership_remove,
)
from annotations.views.base import manager_access_or_404

# A set-password link just made, kept in the session until the members page shows it once.
NEW_LINK_SESSION_KEY = "console-set-password-link"


def _role_form(membership: Membership, data: Any = None) -> MemberRoleForm:
    return MemberRoleForm(data, prefix=f"m{membership.pk}", initial={"role": membership.role})


def render_members(
    request: HttpRequest,
    access: ProjectAccess,
    *,
    add_form: MemberAddForm | None = None,
    account_form: AccountCreateForm | None = None,
    role_form: tuple[int, MemberRoleForm] | None = None,
    row_error: tuple[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The members page; a form that failed is passed back bound, to show its errors in place."""
    project = access.project
    new_link = None
    if request.method == "GET":
        stored = request.session.get(NEW_LINK_SESSION_KEY)
        if stored and stored.get("project") == project.pk:
            new_link = request.session.pop(NEW_LINK_SESSION_KEY)
    rows = []
    for row in member_work_list(project=project):
        pk = row.membership.pk
        form = role_form[1] if role_form and role_form[0] == pk else _role_form(row.membership)
        error = row_error[1] if row_error and row_error[0] == pk else ""
        rows.append({"work": row, "role_form": form, "error": error})
    context = {
        "project": project,
        "access": access,
        "rows": rows,
        "managers": sum(1 for r in rows if r["work"].membership.role == Role.MANAGER),
        "add_form": add_form or MemberAddForm(prefix="add"),
        "account_form": account_form or AccountCreateForm(prefix="account"),
        "new_link": new_link,
        "link_lifetime": link_lifetime(),
        "email_configured": settings.EMAIL_CONFIGURED,
        "me": request.user.pk,
    }
    return render(request, "annotations/console/members.html", context, status=status)


@login_required
def members(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    return render_members(request, access)


@login_required
@require_POST
def member_add(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    form = MemberAddForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            membership = membership_add_by_login(
                project=access.project,
                role=form.cleaned_data["role"],
                username=form.cleaned_data["login"],
            )
        except DomainError as exc:
            # An unknown name, or someone already in the project: said next to the name.
            add_domain_error(form, exc, fields={"username": "login"}, default="login")
        else:
            messages.success(
                request,
                f"Added {membership.user.get_username()} as "
                f"{membership.get_role_display().lower()}.",
            )
            return redirect("console-members", project_id=access.project.pk)
    return render_members(request, access, add_form=form, status=400)


def _membership(access: ProjectAccess, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), project=access.project, pk=membership_id
    )


def _after_own_change(request: HttpRequest, access: ProjectAccess) -> HttpResponse:
    """Where a manager goes after changing their own membership: the members page while they
    still manage the project, else its overview, or the project list once they left it."""
    still = project_access(user=request.user, project_id=access.project.pk)
    if still is None:
        return redirect("page-projects")
    if not can_manage(still):
        return redirect("page-project", project_id=access.project.pk)
    return redirect("console-members", project_id=access.project.pk)


@login_required
@require_POST
def member_role(request: HttpRequest, project_id: int, membership_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    membership = _membership(access, membership_id)
    form = _role_form(membership, request.POST)
    if form.is_valid():
        try:
            membership = membership_change_role(
                membership=membership, role=form.cleaned_data["role"]
            )
        except DomainError as exc:  # the last manager: said next to their role
            add_domain_error(form, exc, default="role")
        else:
            messages.success(
                request,
                f"{membership.user.get_username()} is now {membership.get_role_display().lower()}.",
            )
            return _after_own_change(request, access)
    return render_members(request, access, role_form=(membership.pk, form), status=400)


@login_required
def member_remove(request: HttpRequest, project_id: int, membership_id: int) -> HttpResponse:
    """GET: what removing the member means, and the choice for their open work; POST: remove."""
    access = manager_access_or_404(request.user, project_id)
    membership = _membership(access, membership_id)
    status = 200
    if request.method == "POST":
        form = MemberRemoveForm(request.POST)
        if form.is_valid():
            try:
                result = membership_remove(
                    membership=membership,
                    reassign_open=form.cleaned_data["open_work"] == "reassign",
                )
            except DomainError as exc:  # the last manager
                add_domain_error(form, exc)
                status = exc.status_code
            else:
                name = membership.user.get_username()
                parts = [f"Removed {name} from the project; their spans and submitted work stay."]
                if result.reassigned:
                    parts.append(
                        f"{result.reassigned} open assignment(s) went to other annotators."
                    )
                if result.unassigned:
                    parts.append(f"{result.unassigned} open assignment(s) are now unassigned.")
                messages.success(request, " ".join(parts))
                return _after_own_change(request, access)
        else:
            status = 400
    else:
        form = MemberRemoveForm()
    work = next(
        r for r in member_work_list(project=access.project) if r.membership.pk == membership.pk
    )
    context = {
        "project": access.project,
        "access": access,
        "work": work,
        "form": form,
        "is_me": membership.user_id == request.user.pk,
    }
    return render(request, "annotations/console/member_remove.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("projects/<int:project_id>/members/", members, name="console-members"),
    path("projects/<int:project_id>/members/add/", member_add, name="console-member-add"),
    path(
        "projects/<int:project_id>/members/<int:membership_id>/role/",
        member_role,
        name="console-member-role",
    ),
    path(
        "projects/<int:project_id>/members/<int:membership_id>/remove/",
        member_remove,
        name="console-member-remove",
    ),
]
