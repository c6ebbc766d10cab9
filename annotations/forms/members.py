"""Forms of the members page (annotations/views/console/members.py and accounts.py). They check
the shape of the input only; who may be added, the last manager and free usernames are the
services' rules (annotations.services.projects, annotations.services.accounts)."""

from __future__ import annotations

from django import forms

from annotations.models import Role

OPEN_WORK_CHOICES = [
    ("reassign", "Reassign their open assignments to other annotators (least-loaded first)"),
    ("unassign", "Leave their open assignments unassigned"),
]


class MemberAddForm(forms.Form):
    login = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ANNOTATOR)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class MemberRemoveForm(forms.Form):
    open_work = forms.ChoiceField(
        label="Their open assignments",
        choices=OPEN_WORK_CHOICES,
        initial="reassign",
        widget=forms.RadioSelect,
    )


class AccountCreateForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ANNOTATOR)
