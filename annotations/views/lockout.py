"""The login lockout's answers (django-axes, settings ``AXES_*`` in workbench/settings.py).

After ``AXES_FAILURE_LIMIT`` failed logins for one username, or from one client address
(``annotations.views.throttles.client_address``), within ``AXES_COOLOFF_TIME``, every login of
that username or from that address is refused, the right password included, until the cool-off
has passed since the last attempt: an attempt during the lockout starts it again. The login page
and the token endpoint count together. The login page answers 429 with the page and a message
(``lockout_page``, axes' ``AXES_LOCKOUT_CALLABLE``); the token endpoint 429 with a JSON body
(``annotations.views.auth``). Both send ``Retry-After``.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_seconds() -> int:
    """How long a locked-out client must wait: the whole cool-off, since the refused attempt
    itself counts as a failure and starts it again."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    minutes = math.ceil(lockout_seconds() / 60)
    return (
        "Too many failed logins for this account or from this address. Wait "
        f"{minutes} minute{'s' if minutes != 1 else ''} before trying again: every attempt "
        "meanwhile, even with the right password, starts the wait again. An administrator can "
        "lift the lock sooner."
    )


def lockout_page(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The login page, answered with 429 when axes refused the login (``AXES_LOCKOUT_CALLABLE``)."""
    response = render(
        request,
        "registration/login.html",
        {
            "form": AuthenticationForm(request),
            "next": request.POST.get("next", ""),
            "locked_out": lockout_message(),
        },
        status=429,
    )
    response["Retry-After"] = str(lockout_seconds())
    return response
