"""Forms of the documents table (annotations/views/console/documents.py): the table's GET form
(search, filters, order, page size: every value in the URL, as the API's query parameters are
named) and the bulk action's POST form. The selects' choices are for display; what an id must name
is checked by ``selectors.document_table.document_table_query_problems``, the API's check too."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from annotations.permissions import can_review
from annotations.selectors.access import ProjectAccess
from annotations.selectors.document_table import (
    DEFAULT_ORDERING,
    ORDERING_CHOICES,
    PAGE_SIZES,
    SEARCH_MAX_LENGTH,
    DocumentState,
    DocumentTableQuery,
    ImportBatch,
    document_table_query_problems,
)
from annotations.services.document_bulk import BULK_ACTIONS
from annotations.services.exports import EXPORT_FORMATS

Choices = list[tuple[Any, str]]
DEFAULT_PAGE_SIZE = 50


def _optional_bool(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


class DocumentTableForm(forms.Form):
    """The table's search, filters, order and page size, read from the query string."""

    search = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'words, "a phrase", -word'}),
    )
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Any state"), *DocumentState.choices],
    )
    annotator = forms.IntegerField(label="Annotator", required=False, widget=forms.Select)
    label = forms.IntegerField(label="Label present", required=False, widget=forms.Select)
    status = forms.IntegerField(label="Status present", required=False, widget=forms.Select)
    adjudicated = forms.TypedChoiceField(
        label="Adjudicated",
        required=False,
        choices=[("", "Either"), ("true", "Adjudicated"), ("false", "Not adjudicated")],
        coerce=_optional_bool,
        empty_value=None,
    )
    submitted = forms.TypedChoiceField(
        label="Submissions",
        required=False,
        choices=[("", "Either"), ("true", "Some submitted"), ("false", "None submitted")],
        coerce=_optional_bool,
        empty_value=None,
    )
    agreement_below = forms.FloatField(
        label="Agreement below",
        required=False,
        max_value=1,
        widget=forms.NumberInput(attrs={"step": "0.05", "placeholder": "e.g. 0.6"}),
        help_text="Documents whose own α is below this.",
    )
    batch = forms.UUIDField(label="Imported batch", required=False, widget=forms.Select)
    # Set by the sortable column headers; kept across a new search.
    ordering = forms.ChoiceField(
        required=False, choices=[(c, c) for c in ORDERING_CHOICES], widget=forms.HiddenInput
    )
    page_size = forms.TypedChoiceField(
        label="Per page",
        required=False,
        choices=[(n, str(n)) for n in PAGE_SIZES],
        coerce=int,
        empty_value=DEFAULT_PAGE_SIZE,
    )

    def __init__(
        self,
        *args: Any,
        access: ProjectAccess,
        members: Iterable[tuple[int, str]],
        labels: Iterable[tuple[int, str]],
        statuses: Iterable[tuple[int, str]],
        batches: Iterable[ImportBatch],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.access = access
        self.fields["annotator"].widget.choices = [("", "Anyone"), *members]
        self.fields["label"].widget.choices = [("", "Any label"), *labels]
        self.fields["status"].widget.choices = [("", "Any status"), *statuses]
        self.fields["batch"].widget.choices = [
            ("", "Any batch"),
            *(
                (
                    str(b.id),
                    f"{b.created_at:%Y-%m-%d %H:%M} · {b.name}"
                    + (f" ({b.created:,} documents)" if b.created is not None else ""),
                )
                for b in batches
            ),
        ]
        self.fields["page_size"].initial = DEFAULT_PAGE_SIZE

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        problems = document_table_query_problems(self.access, self.query())
        for name, message in problems.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def query(self) -> DocumentTableQuery:
        """The table's query from the fields that are valid (a bad one is shown on its field and
        left out, so the table still answers)."""
        values = dict(getattr(self, "cleaned_data", {}))
        values["ordering"] = values.get("ordering") or DEFAULT_ORDERING
        return DocumentTableQuery.from_kwargs(values)

    def chosen_page_size(self) -> int:
        size = getattr(self, "cleaned_data", {}).get("page_size")
        return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


class MyDocumentsForm(forms.Form):
    """The project page's list of the user's own documents: search, state of their own work,
    page (the documents table's selector underneath)."""

    search = forms.CharField(
        label="Search your documents",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'words, "a phrase", -word'}),
    )
    state = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "All"),
            (DocumentState.OPEN, "To do"),
            (DocumentState.COMPLETE, "Submitted"),
            (DocumentState.UNASSIGNED, "Skipped"),
        ],
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def query(self, access: ProjectAccess, user: Any) -> DocumentTableQuery:
        """Reviewers and managers see every document in the table; here, their own only."""
        values = dict(getattr(self, "cleaned_data", {}))
        own = user.pk if can_review(access) else None
        return DocumentTableQuery.from_kwargs(
            {"search": values.get("search"), "state": values.get("state"), "annotator": own}
        )

    def chosen_page(self) -> int:
        return getattr(self, "cleaned_data", {}).get("page") or 1


class IdListField(forms.Field):
    """Document ids: repeated ``documents`` checkboxes, or one comma-separated value (the delete
    confirmation carries the ids it showed)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        items = value if isinstance(value, list | tuple) else [value]
        ids: list[int] = []
        for item in items:
            for part in str(item).split(","):
                part = part.strip()
                if not part:
                    continue
                if not (part.isascii() and part.isdigit()) or int(part) < 1:
                    raise forms.ValidationError("Document ids are whole numbers.")
                ids.append(int(part))
        return ids


SCOPES = [
    ("ticked", "The ticked documents"),
    ("page", "Every document on this page"),
    ("matching", "Every document matching the search and filters"),
]


class DocumentBulkForm(forms.Form):
    """An action on the table's documents: which ones (``scope``), and the action's options."""

    action = forms.ChoiceField(choices=[(a, a.capitalize()) for a in BULK_ACTIONS])
    scope = forms.ChoiceField(
        label="Apply to", choices=SCOPES, initial="ticked", widget=forms.RadioSelect
    )
    documents = IdListField(required=False)
    annotator = forms.IntegerField(
        label="Member",
        required=False,
        widget=forms.Select,
        help_text="Assign: to this member. Unassign: their open work (or everyone's).",
    )
    format = forms.ChoiceField(
        label="Export format", required=False, choices=[(f, f) for f in EXPORT_FORMATS]
    )
    submitted_only = forms.BooleanField(label="Submitted work only", required=False, initial=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, members: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        # Ids apart from the filter form's on the same page (both have an "annotator").
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        self.fields["annotator"].widget.choices = [("", "— everyone (unassign only)"), *members]
        self.fields["format"].initial = "jsonl"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("scope") == "ticked" and not cleaned.get("documents") and not self.errors:
            self.add_error("documents", "Tick at least one document, or choose another scope.")
        if cleaned.get("action") == "assign" and cleaned.get("annotator") is None:
            self.add_error("annotator", "Choose whom to assign the documents to.")
        if cleaned.get("action") == "export" and not cleaned.get("format"):
            self.add_error("format", "Choose the export's format.")
        return cleaned
