"""Forms of the labels and statuses page (annotations/views/console/labels.py). They check the
shape of the input only; the rules (unique keys and names, names ignoring case; a label's hotkey:
one visible character, none of the workspace's own keys, unique among the active labels; a colour
as #rrggbb; a one-line description) are ``annotations.services.projects``', so that the page and
the API answer alike, next to the field they name."""

from __future__ import annotations

from django import forms

KEY_HELP = "Machine name used by exports and the API; made from the name when left empty."


class _VocabularyForm(forms.Form):
    name = forms.CharField(max_length=100)
    key = forms.CharField(
        required=False,
        max_length=64,
        help_text=KEY_HELP,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    color = forms.CharField(
        label="Colour",
        max_length=7,
        initial="#888888",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    description = forms.CharField(
        required=False,
        max_length=200,
        help_text="One line, shown when the pointer rests on it in the workspace.",
    )

    def changes(self) -> dict[str, object]:
        """The cleaned fields for the service; an empty key is left out (the service makes one
        from the name)."""
        values = {name: self.cleaned_data[name] for name in self.fields if name in VALUE_FIELDS}
        if not values.get("key"):
            values.pop("key", None)
        return values


VALUE_FIELDS = ("name", "key", "color", "shortcut", "description", "is_final")


class LabelForm(_VocabularyForm):
    shortcut = forms.CharField(
        label="Hotkey",
        required=False,
        max_length=1,
        help_text="One key (a digit or a letter) that tags the selection in the workspace.",
        widget=forms.TextInput(attrs={"size": 2, "autocomplete": "off", "spellcheck": "false"}),
    )
    field_order = ["name", "shortcut", "color", "description", "key"]


class StatusForm(_VocabularyForm):
    is_final = forms.BooleanField(
        label="Final",
        required=False,
        help_text="A verdict (true, false, …), as opposed to a working state.",
    )
    is_initial = forms.BooleanField(
        label="Initial",
        required=False,
        help_text="Given to new spans; exactly one status is initial.",
    )
    field_order = ["name", "color", "description", "is_final", "is_initial", "key"]
