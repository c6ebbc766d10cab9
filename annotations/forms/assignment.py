"""Forms of the assignment page (annotations/views/console/assignment.py): the choices come from
the project's members; the rules (overlap, who already holds a document, finished work) are the
services' (annotations.services.assignments)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms

from annotations.models import Role
from annotations.selectors.members import MemberWork

Choices = list[tuple[str, str]]


def _label(row: MemberWork) -> str:
    return f"{row.user.get_username()} ({row.open} open)"


class DistributeForm(forms.Form):
    annotators = forms.MultipleChoiceField(
        label="Give work to",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one annotator."},
    )

    def __init__(self, *args: object, members: Sequence[MemberWork], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (str(r.user.pk), _label(r)) for r in members if r.membership.role == Role.ANNOTATOR
        ]
        self.fields["annotators"].choices = choices
        self.fields["annotators"].initial = [value for value, _ in choices]


class HandAssignForm(forms.Form):
    document = forms.CharField(
        label="Document (id or title)",
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    annotator = forms.TypedChoiceField(coerce=int)
    # The button pressed (the template renders two submit buttons of this name); Enter in a
    # field submits with the first one, Assign, and a post without it means the same.
    op = forms.ChoiceField(choices=[("assign", "Assign"), ("unassign", "Unassign")], required=False)

    def __init__(self, *args: object, members: Sequence[MemberWork], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Annotators first: they are whom documents are usually given to.
        ordered = sorted(members, key=lambda r: r.membership.role != Role.ANNOTATOR)
        self.fields["annotator"].choices = [
            (str(r.user.pk), f"{r.user.get_username()} ({r.membership.get_role_display().lower()})")
            for r in ordered
        ]


class MoveOpenForm(forms.Form):
    from_annotator = forms.TypedChoiceField(label="Move the open work of", coerce=int)
    to_annotators = forms.TypedMultipleChoiceField(
        label="To (none ticked: all other annotators)",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, members: Sequence[MemberWork], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_annotator"].choices = [
            (str(r.user.pk), _label(r)) for r in members if r.open
        ] or [("", "Nobody has open work")]
        self.fields["to_annotators"].choices = [
            (str(r.user.pk), _label(r)) for r in members if r.membership.role == Role.ANNOTATOR
        ]
