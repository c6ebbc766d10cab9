"""Other tools' annotations in: pure parsers into ``annotations.exports.records`` records.

Imports nothing from Django, DRF or Celery. Each parser checks every item and reports problems as
``ImportIssue(item, field, message)``; invalid items yield no document, so the caller can apply a
file all-or-nothing (``result.ok``) or keep the valid part.

* ``label_studio``  Label Studio JSON export (code point offsets; legacy UTF-16 detected)
* ``doccano``       doccano sequence-labelling JSONL (UTF-16 offsets by default)
* ``native_jsonl``  our own JSONL export, read back losslessly
* ``records``       ``ImportIssue``, ``ImportReport`` (streaming), ``ImportResult``
"""

from annotations.interop.doccano import iter_doccano, read_doccano
from annotations.interop.label_studio import parse_label_studio, read_label_studio
from annotations.interop.native_jsonl import iter_native_jsonl, read_native_jsonl
from annotations.interop.records import ImportIssue, ImportReport, ImportResult

__all__ = [
    "ImportIssue",
    "ImportReport",
    "ImportResult",
    "iter_doccano",
    "iter_native_jsonl",
    "parse_label_studio",
    "read_doccano",
    "read_label_studio",
    "read_native_jsonl",
]
