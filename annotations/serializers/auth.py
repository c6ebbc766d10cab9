"""What the token endpoint reads: a username and a password."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.authtoken import serializers as authtoken

# A longer name is no user's; the login lockout records the name it was sent (axes' column holds
# 255 characters), so it is refused here as a field error.
USERNAME_MAX = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length


class AuthTokenSerializer(authtoken.AuthTokenSerializer):
    """DRF's, with the username as long as the user model allows at most."""

    username = serializers.CharField(label="Username", write_only=True, max_length=USERNAME_MAX)
