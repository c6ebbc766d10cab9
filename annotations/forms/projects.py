"""The project form of the console (annotations/views/console/projects.py): a new project and a
project's settings. It checks the shape of the input only; the rules (a name, the number of
annotators per document, the length of the guidelines, and that an archived project is read only)
are ``annotations.services.projects``', shown next to the field they name."""

from __future__ import annotations

from django import forms

from annotations.markdown import MAX_MARKDOWN_CHARS
from annotations.services.projects import MAX_ANNOTATORS_PER_DOCUMENT


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False,
        max_length=MAX_MARKDOWN_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two on the project's page (Markdown).",
    )
    guidelines = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_MARKDOWN_CHARS,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text="What to tag and how, in Markdown: headings (#), lists (-), **bold**, "
        "[links](https://…), tables. Annotators read them on the project's page and in the "
        "workspace (key g).",
    )
    annotators_per_document = forms.IntegerField(
        min_value=1,
        max_value=MAX_ANNOTATORS_PER_DOCUMENT,
        initial=3,
        help_text="How many annotators each document is given when documents are distributed.",
    )
    blind = forms.BooleanField(
        required=False,
        initial=True,
        label="Blind annotation",
        help_text="Annotators never see each other's spans while this is on (reviewers and "
        "managers always see every span).",
    )

    def clean_guidelines(self) -> str:
        return _unix_newlines(self.cleaned_data["guidelines"])

    def clean_description(self) -> str:
        return _unix_newlines(self.cleaned_data["description"])


def _unix_newlines(text: str) -> str:
    """A browser sends a textarea's lines ended by CR LF; the API's clients send LF. Stored alike,
    so that a text edited on the page and through the API compares equal."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
