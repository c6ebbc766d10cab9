"""Members beyond adding and roles (``serializers.projects.MembershipSerializer``): accounts for new
colleagues with their set-password links, and removing a member together with their open work."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import Role
from annotations.serializers.fields import CharField, ChoiceField


class AccountCreateSerializer(serializers.Serializer):
    # The rules (free username and address, ignoring case) are the service's: errors name the
    # field as these do.
    username = CharField(max_length=150, help_text="The new account's username.")
    email = CharField(
        max_length=254,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional. When the server sends mail (EMAIL_URL), the link is mailed here too.",
    )
    role = ChoiceField(choices=Role.choices, default=Role.ANNOTATOR)


class SetPasswordLinkSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text="The account's user id.")
    username = serializers.CharField()
    set_password_url = serializers.CharField(
        help_text="One-time link to hand over: it sets the password and signs the user in. It "
        "works once and expires after PASSWORD_RESET_TIMEOUT (3 days by default)."
    )
    mailed_to = serializers.CharField(
        help_text="The address the link was mailed to; empty when no mail was sent (no EMAIL_URL "
        "configured, no address, or the mail failed: see mail_error)."
    )
    mail_error = serializers.CharField(help_text="Why mailing failed; empty otherwise.")


class AccountCreatedSerializer(SetPasswordLinkSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MemberRemoveSerializer(serializers.Serializer):
    open_work = ChoiceField(
        choices=[
            ("reassign", "Reassign to other annotators, least-loaded first"),
            ("unassign", "Leave unassigned"),
        ],
        default="unassign",
        help_text="What becomes of the member's open (not submitted) assignments: `reassign` gives "
        "them to the project's other annotators, least-loaded first (what no one can take is "
        "unassigned); `unassign` puts their documents back in the pool that distribution fills. "
        "Spans and submitted work stay either way.",
    )


class MemberRemovalSerializer(serializers.Serializer):
    reassigned = serializers.IntegerField(help_text="Open assignments given to other annotators.")
    unassigned = serializers.IntegerField(help_text="Open assignments left unassigned.")
