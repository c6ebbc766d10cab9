"""Projects, memberships, labels and verification statuses."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from annotations.models import Label, Membership, Project, VerificationStatus
from annotations.serializers.fields import CharField, IntegerField, ModelSerializer, RegexField

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
            "created_at",
            "updated_at",
            "my_role",
            "my_assigned",
            "my_submitted",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"annotators_per_document": {"min_value": 1, "max_value": 50}}


class MembershipSerializer(ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    username = CharField(required=False, help_text="Alternative to `user` when adding a member.")

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "role", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, instance: Membership) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["username"] = instance.user.get_username()
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            username = attrs.pop("username", None)
            if "user" not in attrs:
                if not username:
                    raise serializers.ValidationError(
                        {"user": "Give the user's id (`user`) or `username`."}
                    )
                user = User.objects.filter(username=username).first()
                if user is None:
                    raise serializers.ValidationError({"username": f"No user named {username!r}."})
                attrs["user"] = user
        else:
            attrs.pop("username", None)
            if "user" in attrs and attrs["user"] != self.instance.user:
                raise serializers.ValidationError(
                    {"user": "A membership's user cannot change; remove and add instead."}
                )
        return attrs


class _ProjectKeyedSerializer(ModelSerializer):
    """Labels and statuses: ``key`` and ``name`` are unique per project, checked here for a clear
    400."""

    def validate_key(self, value: str) -> str:
        project = self.context["project"]
        clash = type(self).Meta.model.objects.filter(project=project, key=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"The key {value!r} is already used in this project.")
        return value

    def validate_name(self, value: str) -> str:
        project = self.context["project"]
        clash = type(self).Meta.model.objects.filter(project=project, name__iexact=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(
                f"The name {value!r} is already used in this project (names ignore case)."
            )
        return value


class LabelSerializer(_ProjectKeyedSerializer):
    color = RegexField(r"^#[0-9a-fA-F]{6}$", required=False, help_text="#rrggbb")

    class Meta:
        model = Label
        fields = ["id", "key", "name", "color", "shortcut", "order", "retired"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        shortcut = attrs.get("shortcut", getattr(self.instance, "shortcut", ""))
        retired = attrs.get("retired", getattr(self.instance, "retired", False))
        if shortcut and not retired:
            clash = Label.objects.filter(
                project=self.context["project"], shortcut=shortcut, retired=False
            )
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(
                    {
                        "shortcut": f"Shortcut {shortcut!r} is already used by label '{clash.first().key}'."
                    }
                )
        return attrs


class VerificationStatusSerializer(_ProjectKeyedSerializer):
    color = RegexField(r"^#[0-9a-fA-F]{6}$", required=False, help_text="#rrggbb")

    class Meta:
        model = VerificationStatus
        fields = ["id", "key", "name", "color", "order", "is_initial", "is_final", "retired"]
