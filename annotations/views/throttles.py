"""Rate limits of the API (DRF throttles) and the client address that they and the login lockout
count by.

- ``WriteRateThrottle`` (``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``): writes (``POST``,
  ``PUT``, ``PATCH``, ``DELETE``) per user, scope ``writes`` (``WORKBENCH_THROTTLE_WRITES``).
  Reads are never counted.
- ``LoginAddressThrottle`` and ``LoginUsernameThrottle``: the token endpoint, per client address
  (scope ``login``, ``WORKBENCH_THROTTLE_LOGIN``) and per username sent (scope ``login_user``,
  ``WORKBENCH_THROTTLE_LOGIN_USER``). Failed logins are locked out by django-axes on top of this
  (``annotations.views.lockout``).

A throttled request answers 429 with ``Retry-After`` (DRF's ``Throttled``). Rates are read from
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on each request; a scope without a rate is not
throttled. Each (scope, who, window) is one counter in the cache, raised with ``incr``: DRF's own
``SimpleRateThrottle`` reads and writes the list of every request's time, which at the write rate
would be thousands of floats per span created. A fixed window lets a client send up to twice the
rate across a window's edge: the rates are ceilings against scripts and guessing, not quotas.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

# Seconds per period of a rate "N/period"; like DRF, only the period's first letter counts.
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/minute"`` -> ``(60, 60)``: requests allowed, seconds per window."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0]]


def client_address(request: HttpRequest | Request) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind ``NUM_PROXIES`` reverse proxies
    (``WORKBENCH_NUM_PROXIES``) the address that the outermost of them put in
    ``X-Forwarded-For``. The throttles and the login lockout (``AXES_CLIENT_IP_CALLABLE``) both
    count by it, so a client cannot pick a new address per request by sending the header itself."""
    return BaseThrottle().get_ident(request) or ""


class WindowRateThrottle(BaseThrottle):
    """Counts requests per ``ident`` in fixed windows of the scope's rate."""

    scope = ""

    def __init__(self) -> None:
        self.retry_after = 0.0

    def ident(self, request: Request, view: Any) -> str | None:
        """Who is counted, or None for a request this throttle does not count."""
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        who = self.ident(request, view) if rate else None
        if who is None:
            return True
        limit, period = parse_rate(rate)
        now = time.time()
        window = int(now // period)
        digest = hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        # The window is part of the key: a counter that lost its expiry would only be a stale key.
        try:
            count = _increment(f"throttle:{self.scope}:{digest}:{window}", period)
        except Exception as exc:  # noqa: BLE001 - Redis down: count nothing rather than fail
            # A write refused for want of a counter would be an error the client cannot fix; the
            # rates only stop scripts, and failed logins are still counted (in the database) by
            # the lockout.
            logger.warning("%s throttle not counted: no cache (%s)", self.scope, exc)
            return True
        if count <= limit:
            return True
        self.retry_after = (window + 1) * period - now
        return False

    def wait(self) -> float:
        return self.retry_after


def _increment(key: str, timeout: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # the window's first request (or its counter just expired)
        if cache.add(key, 1, timeout + 1):
            return 1
        return cache.incr(key)


class WriteRateThrottle(WindowRateThrottle):
    scope = "writes"
    counts_reads = False  # so the schema declares its 429 on writes only (views/schema.py)

    def ident(self, request: Request, view: Any) -> str | None:
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return None
        return f"user:{request.user.pk}"


class LoginAddressThrottle(WindowRateThrottle):
    scope = "login"

    def ident(self, request: Request, view: Any) -> str | None:
        return client_address(request)


class LoginUsernameThrottle(WindowRateThrottle):
    scope = "login_user"

    def ident(self, request: Request, view: Any) -> str | None:
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        return None if username is None else f"username:{username}"
