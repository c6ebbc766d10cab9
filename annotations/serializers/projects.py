"""Projects, memberships, labels and verification statuses."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from annotations.markdown import MAX_MARKDOWN_CHARS
from annotations.models import Label, Membership, Project, VerificationStatus
from annotations.serializers.fields import CharField, IntegerField, ModelSerializer, RegexField
from annotations.services.projects import MAX_ANNOTATORS_PER_DOCUMENT

User = get_user_model()


class ProjectSerializer(ModelSerializer):
    my_role = CharField(read_only=True, default=None)
    my_assigned = IntegerField(read_only=True, default=None)
    my_submitted = IntegerField(read_only=True, default=None)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "guidelines",
            "annotators_per_document",
            "blind",
            "archived_at",
            "created_at",
            "updated_at",
            "my_role",
            "my_assigned",
            "my_submitted",
        ]
        read_only_fields = ["archived_at", "created_at", "updated_at"]
        extra_kwargs = {
            "annotators_per_document": {"min_value": 1, "max_value": MAX_ANNOTATORS_PER_DOCUMENT},
            "guidelines": {"max_length": MAX_MARKDOWN_CHARS},
            "description": {"max_length": MAX_MARKDOWN_CHARS},
            "archived_at": {
                "help_text": "When a manager archived the project (read only until unarchived: "
                "`POST .../archive/`, `.../unarchive/`); null while it is open."
            },
        }


class MembershipSerializer(ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    username = CharField(
        required=False,
        help_text="Alternative to `user` when adding a member: their username, or their email "
        "address.",
    )
    email = CharField(
        required=False,
        write_only=True,
        max_length=254,
        help_text="Alternative to `user` when adding a member: their email address.",
    )

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "email", "role", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, instance: Membership) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["username"] = instance.user.get_username()
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Finding the user by username or email is the service's (services.projects
        # .membership_add_by_login), so that the members page and the API answer alike.
        if self.instance is None:
            if "user" in attrs:
                attrs.pop("username", None)
                attrs.pop("email", None)
            elif not attrs.get("username") and not attrs.get("email"):
                raise serializers.ValidationError(
                    {"user": "Give the user's id (`user`), `username` or `email`."}
                )
        else:
            attrs.pop("username", None)
            attrs.pop("email", None)
            if "user" in attrs and attrs["user"] != self.instance.user:
                raise serializers.ValidationError(
                    {"user": "A membership's user cannot change; remove and add instead."}
                )
        return attrs


# Labels and statuses: every rule of their fields (keys and names unique per project, names
# ignoring case; a label's hotkey unique among the active labels; the colour; a one-line
# description) is services.projects', so that the API and the labels page answer alike; the
# fields below only declare the shapes for the schema.
_VOCABULARY_KWARGS = {
    "key": {
        "required": False,
        "help_text": "Stable machine name (letters, digits, _ and -), unique in the project; "
        "made from the name when left out.",
    },
    "description": {"help_text": "One line, shown on hover in the workspace."},
}


class LabelSerializer(ModelSerializer):
    color = RegexField(r"^#[0-9a-fA-F]{6}$", required=False, help_text="#rrggbb")

    class Meta:
        model = Label
        fields = ["id", "key", "name", "color", "shortcut", "description", "order", "retired"]
        extra_kwargs = {
            **_VOCABULARY_KWARGS,
            "shortcut": {
                "help_text": "The hotkey: one character, unique among the project's active "
                "labels (not one of the workspace's own keys j k e n g ?). Labels are listed in "
                "hotkey order: those with a hotkey by hotkey, then the others by `order`."
            },
            "order": {"help_text": "Position among the labels without an active hotkey."},
        }


class VerificationStatusSerializer(ModelSerializer):
    color = RegexField(r"^#[0-9a-fA-F]{6}$", required=False, help_text="#rrggbb")

    class Meta:
        model = VerificationStatus
        fields = [
            "id",
            "key",
            "name",
            "color",
            "description",
            "order",
            "is_initial",
            "is_final",
            "retired",
        ]
        extra_kwargs = {**_VOCABULARY_KWARGS, "order": {"help_text": "Position in the list."}}


class ReorderSerializer(serializers.Serializer):
    """Input of ``labels/reorder/`` and ``statuses/reorder/``."""

    ids = serializers.ListField(
        child=IntegerField(min_value=1),
        max_length=1000,
        help_text="Every label (status) of the project once, in the new order.",
    )
