"""Forms of the import page (annotations/views/console/imports.py). They check the shape of the
input only: which formats exist, whether a file's format can be told and whether an option names a
member are the import services' rules (annotations.services.import_preview,
annotations.services.annotation_imports), shown next to the field they name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from annotations.models import Membership
from annotations.services.import_preview import FORMAT_NAMES, IMPORT_FORMATS, ImportOptions

FORMAT_CHOICES = [
    ("", "Detect each file's format"),
    *((f, FORMAT_NAMES[f]) for f in IMPORT_FORMATS),
]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files; each is checked as ``FileField`` checks one (an empty file is an
    error naming it)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ImportOptionsForm(forms.Form):
    """The options of an annotated file's import (the API's ``user``, ``annotator`` and
    ``create_labels``); document files ignore them."""

    user = forms.TypedChoiceField(
        label="Whose spans",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Give every span of the files to one member, whatever names the files use.",
    )
    annotator = forms.ChoiceField(
        label="doccano: the file's annotator",
        required=False,
        help_text="A doccano file does not say who annotated it: choose the member it belongs "
        "to, or give every span to one member above.",
    )
    create_labels = forms.BooleanField(
        label="Create the labels the project lacks", required=False, initial=False
    )

    def __init__(self, *args: Any, members: Iterable[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = sorted(
            ((m.user_id, m.user.get_username()) for m in members), key=lambda m: m[1].lower()
        )
        self.fields["user"].choices = [("", "The annotators each file names"), *people]
        self.fields["annotator"].choices = [
            ("", "Not chosen"),
            *((name, name) for _, name in people),
        ]

    def options(self) -> ImportOptions:
        data = self.cleaned_data
        return ImportOptions(
            attribute_to=data.get("user"),
            annotator=data.get("annotator") or None,
            create_labels=bool(data.get("create_labels")),
        )


class ImportUploadForm(ImportOptionsForm):
    file = MultipleFileField(
        label="Files",
        help_text="One or more files; each is imported all or nothing.",
    )
    format = forms.ChoiceField(
        label="Format",
        choices=FORMAT_CHOICES,
        required=False,
        help_text="By default each file's format is told from its first record and its name "
        "(.txt, .csv, .jsonl, .json).",
    )

    field_order = ["file", "format", "user", "annotator", "create_labels"]

    def chosen_format(self) -> str | None:
        return self.cleaned_data.get("format") or None
