"""A project's labels and verification statuses, read together in one query per request.

Writing a span needs its label and its status (given, or the project's initial one). Looking
each up through the ORM cost a query and about a millisecond of Python each; the whole vocabulary
of a project is a handful of rows, so one hand-written ``UNION ALL`` reads it all at once, and every
later lookup in the same request is a dictionary access. Nothing is kept between requests: a label
retired a moment ago is retired for the next request.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db import connection

from annotations.models import Label, VerificationStatus

# Both tables in one result: a kind column, then the union of their columns (padded with
# constants where a table lacks one). "order" is quoted: it is an SQL keyword.
_VOCABULARY_SQL = """
SELECT 'label', id, project_id, key, name, color, shortcut, "order", retired, FALSE, FALSE
  FROM annotations_label WHERE project_id = %s
UNION ALL
SELECT 'status', id, project_id, key, name, color, '', "order", retired, is_initial, is_final
  FROM annotations_verificationstatus WHERE project_id = %s
"""


_LABEL_FIELDS = ["id", "project_id", "key", "name", "color", "shortcut", "order", "retired"]
_STATUS_FIELDS = [
    "id",
    "project_id",
    "key",
    "name",
    "color",
    "order",
    "retired",
    "is_initial",
    "is_final",
]


def _stored(model: type[Any], fields: list[str], values: list[Any]) -> Any:
    """An instance of a stored row, marked as the ORM marks what it loads."""
    instance = model(**dict(zip(fields, values, strict=True)))
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


class ProjectVocabulary:
    """Labels and statuses of one project, loaded on first use."""

    def __init__(self, project_id: int) -> None:
        self.project_id = project_id

    @cached_property
    def _rows(self) -> tuple[dict[Any, Label], dict[Any, VerificationStatus]]:
        labels: dict[Any, Label] = {}
        statuses: dict[Any, VerificationStatus] = {}
        with connection.cursor() as cursor:
            cursor.execute(_VOCABULARY_SQL, [self.project_id, self.project_id])
            rows = cursor.fetchall()
        for (
            kind,
            pk,
            project_id,
            key,
            name,
            color,
            shortcut,
            order,
            retired,
            initial,
            final,
        ) in rows:
            # bool(): SQLite returns its booleans as 0 and 1.
            if kind == "label":
                values = [pk, project_id, key, name, color, shortcut, order, bool(retired)]
                label = _stored(Label, _LABEL_FIELDS, values)
                labels[pk] = labels[key] = label
            else:
                values = [pk, project_id, key, name, color, order, bool(retired)]
                values += [bool(initial), bool(final)]
                status = _stored(VerificationStatus, _STATUS_FIELDS, values)
                statuses[pk] = statuses[key] = status
        return labels, statuses

    def label(self, ref: int | str) -> Label | None:
        """The label with this id (int) or key (str), or ``None``."""
        return self._rows[0].get(ref)

    def status(self, ref: int | str) -> VerificationStatus | None:
        """The status with this id (int) or key (str), or ``None``."""
        return self._rows[1].get(ref)

    @property
    def initial_status(self) -> VerificationStatus | None:
        return next((s for s in self._rows[1].values() if s.is_initial), None)

    def find(self, model: type[Label] | type[VerificationStatus], ref: int | str) -> Any:
        return self.label(ref) if model is Label else self.status(ref)
