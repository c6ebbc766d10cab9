"""Console pages: accounts (see annotations/views/console/__init__.py).

A manager creates an account for a new colleague on the members page and is shown, once, the
one-time link with which the colleague sets a password and is signed in
(``/accounts/set-password/<uidb64>/<token>/``); with mail configured the link is mailed too
(annotations.services.accounts). Password change and reset are Django's own views with the app's
templates (annotations/templates/registration/); the reset view here replaces Django's so that,
on a server that sends no mail, the page says so instead of claiming a mail was sent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse_lazy
from django.views.decorators.http import require_POST

from annotations.errors import DomainError
from annotations.forms.accounts import PasswordResetForm
from annotations.forms.errors import add_domain_error
from annotations.forms.members import AccountCreateForm
from annotations.models import Membership
from annotations.services.accounts import LinkDelivery, account_invite, account_link_reissue
from annotations.views.base import manager_access_or_404
from annotations.views.console.members import NEW_LINK_SESSION_KEY, render_members


def _keep_link(
    request: HttpRequest, project_id: int, delivery: LinkDelivery, renewed: bool
) -> None:
    """The link goes to the session, not into the redirect's URL: it is shown once, on the next
    view of the members page, and is never in the browser's history or a server log."""
    request.session[NEW_LINK_SESSION_KEY] = {
        "project": project_id,
        "username": delivery.user.get_username(),
        "url": delivery.set_password_url,
        "mailed_to": delivery.mailed_to,
        "mail_error": delivery.mail_error,
        "renewed": renewed,
    }


@login_required
@require_POST
def account_create(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    form = AccountCreateForm(request.POST, prefix="account")
    if form.is_valid():
        try:
            delivery = account_invite(
                project=access.project,
                created_by=request.user,
                site_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except DomainError as exc:  # a username or address taken: said next to it
            add_domain_error(form, exc, default="username")
        else:
            _keep_link(request, access.project.pk, delivery, renewed=False)
            messages.success(
                request,
                f"Created the account {delivery.user.get_username()}: hand over the link below.",
            )
            return redirect("console-members", project_id=access.project.pk)
    return render_members(request, access, account_form=form, status=400)


@login_required
@require_POST
def account_link(request: HttpRequest, project_id: int, membership_id: int) -> HttpResponse:
    """A new set-password link for a member who has not set a password yet."""
    access = manager_access_or_404(request.user, project_id)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), project=access.project, pk=membership_id
    )
    try:
        delivery = account_link_reissue(
            project=access.project,
            requested_by=request.user,
            user=membership.user,
            site_url=request.build_absolute_uri("/"),
        )
    except DomainError as exc:
        message = (
            exc.detail
            if isinstance(exc.detail, str)
            else " ".join(m for messages_ in exc.detail.values() for m in messages_)
        )
        return render_members(
            request, access, row_error=(membership.pk, message), status=exc.status_code
        )
    _keep_link(request, access.project.pk, delivery, renewed=True)
    messages.success(
        request,
        f"A new link for {delivery.user.get_username()}; the earlier ones no longer work.",
    )
    return redirect("console-members", project_id=access.project.pk)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page a set-password link opens: choose a password, then land signed in on one's
    projects. A used, expired or mistyped link shows a message instead of the form."""

    template_name = "registration/password_reset_confirm.html"
    post_reset_login = True
    # Named, because several backends are configured (django-axes' own comes first).
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("page-projects")
    extra_context = {"set_password": True}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request, f"Welcome, {form.user.get_username()}: your password is set."
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's "forgot your password?" page, which mails a reset link. Without mail
    (no ``EMAIL_URL``: ``settings.EMAIL_CONFIGURED``) it says who can help instead."""

    form_class = PasswordResetForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.EMAIL_CONFIGURED:
            return render(request, self.template_name, {"mail_unavailable": True})
        return super().dispatch(request, *args, **kwargs)


urlpatterns: list[URLPattern] = [
    path(
        "projects/<int:project_id>/members/accounts/",
        account_create,
        name="console-account-create",
    ),
    path(
        "projects/<int:project_id>/members/<int:membership_id>/password-link/",
        account_link,
        name="console-account-link",
    ),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        SetPasswordView.as_view(),
        name="account-set-password",
    ),
]
