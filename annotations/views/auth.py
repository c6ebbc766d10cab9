"""``POST /api/v1/auth/token/``: a token for a username and password, under the login lockout."""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from annotations.errors import TooManyRequests
from annotations.serializers.auth import AuthTokenSerializer
from annotations.views.lockout import lockout_message, lockout_seconds
from annotations.views.throttles import LoginAddressThrottle, LoginUsernameThrottle


class TokenObtainView(ObtainAuthToken):
    """``POST`` a ``username`` and ``password``: ``{"token": ...}``. A wrong pair answers 400.
    Failed attempts count towards the login lockout, per username and per client address, with
    those of the login page: once locked out, the right password too answers 429 with
    ``Retry-After`` (``code``: ``locked_out``). Requests are also throttled per address and per
    username (429, ``Retry-After``)."""

    serializer_class = AuthTokenSerializer
    throttle_classes = [LoginAddressThrottle, LoginUsernameThrottle]
    # The project's parsers (ObtainAuthToken names DRF's own): JSON nested too deep is a 400 here too.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        valid = data.is_valid()
        # django-axes marks the request that authenticate() was given when it refused a locked-out
        # login, or when this failure reached the limit.
        if getattr(request, "axes_locked_out", False):
            raise TooManyRequests(
                lockout_message(), retry_after_seconds=lockout_seconds(), code="locked_out"
            )
        if not valid:
            raise ValidationError(data.errors)
        token, _ = Token.objects.get_or_create(user=data.validated_data["user"])
        return Response({"token": token.key})
