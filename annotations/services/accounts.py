"""Accounts for new colleagues: a manager creates a user with no password yet, makes them a member
of the project, and hands over a one-time link with which they set their password and sign in.

The link is Django's password-reset link (``default_token_generator`` over the user's id): it
works once, because the token is made from the password hash that setting a password changes, and
it expires after ``PASSWORD_RESET_TIMEOUT`` (Django's default: three days). No mail server is
needed: the manager is shown the link to hand over. When mail is configured (``EMAIL_URL``, see
``settings.EMAIL_CONFIGURED``) the link is also mailed to the account's address; a failed mail
does not undo the account, the manager still has the link.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from annotations.errors import Conflict, InvalidInput, NotFound
from annotations.models import Membership, Project, Role
from annotations.permissions import MANAGING_ROLES, check_create_accounts
from annotations.selectors.access import project_access
from annotations.services.projects import membership_add

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LinkDelivery:
    """A set-password link as the manager gets it: the absolute URL to hand over, and whether it
    was also mailed (``mailed_to`` the address; ``mail_error`` says why not, when sending failed)."""

    user: AbstractBaseUser
    set_password_url: str
    mailed_to: str = ""
    mail_error: str = ""


def link_lifetime() -> str:
    """How long a set-password link works, in words ("3 days", "12 hours")."""
    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    days, hours = seconds // 86400, seconds // 3600
    if days >= 1 and seconds % 86400 == 0:
        return f"{days} day{'s' if days != 1 else ''}"
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{max(1, seconds // 60)} minutes"


def set_password_path(user: AbstractBaseUser) -> str:
    """The path of the user's one-time set-password page (``account-set-password``)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("account-set-password", kwargs={"uidb64": uidb64, "token": token})


def _check_may_create(project: Project, user: AbstractBaseUser) -> None:
    access = project_access(user=user, project_id=project.pk)
    if access is None:
        raise NotFound("No such project.")
    check_create_accounts(access)


def _clean_username(username: str) -> str:
    User = get_user_model()
    username = User.normalize_username(username.strip())  # NFKC, as create_user stores it
    if not username:
        raise InvalidInput({"username": "Give the new account a username."})
    field = User._meta.get_field(User.USERNAME_FIELD)
    if len(username) > field.max_length:
        raise InvalidInput({"username": f"At most {field.max_length} characters."})
    try:
        field.run_validators(username)
    except ValidationError as exc:
        raise InvalidInput({"username": exc.messages}) from None
    # Usernames are case-sensitive when people log in; two that differ only in case would be
    # mistaken for each other, so a new one must differ by more.
    if User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
        raise InvalidInput(
            {
                "username": f"An account named {username!r} already exists (names ignore case "
                "here). Choose another username, or add that account as a member instead."
            }
        )
    return username


def _clean_email(email: str) -> str:
    User = get_user_model()
    email = email.strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput({"email": "Enter a valid email address, or leave it empty."}) from None
    email = User.objects.normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(
            {
                "email": "An account with this email address already exists: add it as a member "
                "(by its username or this address) instead of creating another."
            }
        )
    return email


@transaction.atomic
def account_create(
    *,
    project: Project,
    created_by: AbstractBaseUser,
    username: str,
    email: str = "",
    role: str = Role.ANNOTATOR,
) -> tuple[AbstractBaseUser, str]:
    """A new user with no usable password (nobody can log in as them until they set one), a
    member of ``project`` with ``role``, and the path of their one-time set-password page.

    Only the project's managers may do it. A username or email address that another account has
    (ignoring case) is an ``InvalidInput`` naming the field."""
    _check_may_create(project, created_by)
    username = _clean_username(username)
    email = _clean_email(email)
    User = get_user_model()
    try:
        with transaction.atomic():  # a savepoint: the same name created meanwhile is a clean 400
            user = User.objects.create_user(username=username, email=email, password=None)
    except IntegrityError:
        raise InvalidInput(
            {"username": f"An account named {username!r} was created meanwhile; choose another."}
        ) from None
    membership_add(project=project, user=user, role=role)
    return user, set_password_path(user)


@transaction.atomic
def account_link_renew(
    *, project: Project, requested_by: AbstractBaseUser, user: AbstractBaseUser
) -> str:
    """A new set-password link for a member who has not set a password yet (the first link was
    lost, or it expired). Earlier links stop working: the unusable password is drawn again, and the
    tokens were made from it.

    Refused for an account that has a password (whoever holds the link could take it over: a
    forgotten password is reset by mail, or by an administrator), for staff accounts, and for an
    account that is also a member of a project the requester does not manage (its link would let
    the requester act as that member there)."""
    _check_may_create(project, requested_by)
    user = get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if user is None or not Membership.objects.filter(project=project, user=user).exists():
        raise InvalidInput({"user": "Not a member of this project."})
    name = user.get_username()
    if user.has_usable_password():
        raise Conflict(
            f"{name} has set a password already. If it is forgotten, they can reset it from the "
            "login page (when this server sends mail) or ask an administrator.",
            code="password_set",
        )
    if user.is_staff or user.is_superuser:
        raise Conflict(
            f"{name} is a staff account; an administrator sets its password.", code="staff_account"
        )
    managed = Membership.objects.filter(user=requested_by, role__in=MANAGING_ROLES).values(
        "project_id"
    )
    if Membership.objects.filter(user=user).exclude(project_id__in=managed).exists():
        raise Conflict(
            f"{name} is also a member of projects you do not manage, so a link from you would let "
            "you act as them there. Ask a manager of their other projects.",
            code="member_elsewhere",
        )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return set_password_path(user)


def link_deliver(
    *, user: AbstractBaseUser, path: str, project: Project, site_url: str, renewed: bool = False
) -> LinkDelivery:
    """The link as an absolute URL on ``site_url`` (the address the manager uses), mailed to the
    user when mail is configured and they have an address. Not in a transaction: call it after the
    account is committed, so that a slow or failing mail server holds no locks and undoes nothing."""
    url = urljoin(site_url, path)
    email = getattr(user, "email", "")
    if not settings.EMAIL_CONFIGURED or not email:
        return LinkDelivery(user=user, set_password_url=url)
    context = {
        "user": user,
        "project": project,
        "url": url,
        "lifetime": link_lifetime(),
        "renewed": renewed,
    }
    subject = f"Your account on Factcheck Workbench ({project.name})"
    body = render_to_string("registration/account_link_email.txt", context)
    try:
        send_mail(subject, body, None, [email])
    except OSError as exc:  # smtplib's errors, refused or dropped connections
        logger.warning("could not mail the set-password link of user %s: %s", user.pk, exc)
        return LinkDelivery(
            user=user, set_password_url=url, mail_error=str(exc) or type(exc).__name__
        )
    return LinkDelivery(user=user, set_password_url=url, mailed_to=email)


def account_invite(
    *,
    project: Project,
    created_by: AbstractBaseUser,
    username: str,
    email: str = "",
    role: str = Role.ANNOTATOR,
    site_url: str,
) -> LinkDelivery:
    """``account_create``, then the link handed to the manager and mailed when mail is
    configured: what the members page and ``POST .../members/accounts/`` do."""
    user, path = account_create(
        project=project, created_by=created_by, username=username, email=email, role=role
    )
    return link_deliver(user=user, path=path, project=project, site_url=site_url)


def account_link_reissue(
    *, project: Project, requested_by: AbstractBaseUser, user: AbstractBaseUser, site_url: str
) -> LinkDelivery:
    """``account_link_renew``, then the new link handed over and mailed as ``account_invite``'s."""
    path = account_link_renew(project=project, requested_by=requested_by, user=user)
    return link_deliver(user=user, path=path, project=project, site_url=site_url, renewed=True)
