"""The password reset form of the account pages (annotations/views/console/accounts.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model


def _same_address(a: str, b: str) -> bool:
    return (
        unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, which mails a link to the active accounts with the address, except that an account
    that never set a password (created by a manager, its first link lost) gets one too: Django
    leaves out accounts without a usable password, meant for logins that are checked elsewhere,
    which this app does not have."""

    def get_users(self, email: str) -> Iterator[Any]:
        User = get_user_model()
        email_field = User.get_email_field_name()
        users = User._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        for user in users:
            never_set = not user.has_usable_password() and user.last_login is None
            if (user.has_usable_password() or never_set) and _same_address(
                email, getattr(user, email_field)
            ):
                yield user
