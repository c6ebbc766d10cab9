"""Labelled datasets in and out: one module per format, holding its pure streaming writer and,
for the formats other tools produce, its parser beside it.

Imports nothing from Django, DRF or Celery (stdlib and pyarrow only). Every writer takes an
iterable of ``ExportDocument`` (consumed once, lazily: a generator of any length works in bounded
memory) and a file object, and returns an ``ExportSummary``. Text formats accept a text file or a
binary file (written as UTF-8); Parquet needs a binary file or a path. Writers never close the
file they are given.

* ``records``      ``ExportDocument``, ``ExportSpan``, ``ExportEvidence``, ``ExportProject``,
                   ``ExportSummary``; and what parsers return: ``ImportIssue``, ``ImportReport``,
                   ``ImportResult``
* ``reading``      small helpers the parsers share (lines of a file, JSON, ISO dates)
* ``jsonl``        native JSONL, lossless (its docstring documents every field), and its reader
* ``csv_rows``     CSV, one span per row (columns in ``tabular``)
* ``parquet``      Parquet, one span per row, typed columns, bounded row groups
* ``conll``        CoNLL BIO, one token per line (tokenizer and overlap rule documented)
* ``label_studio`` Label Studio task array and matching labelling config; the Label Studio JSON
                   export parser (code point offsets; legacy UTF-16 detected)
* ``doccano``      doccano sequence-labelling JSONL, one annotator (or gold) per file, and its
                   parser (UTF-16 offsets by default)
* ``claimreview``  schema.org ClaimReview JSON-LD for adjudicated final verdicts
* ``fever``        FEVER-style JSONL (SUPPORTS / REFUTES / NOT ENOUGH INFO)

Parsers check every item and report problems as ``ImportIssue(item, field, message)``; invalid
items yield no document, so the caller can apply a file all-or-nothing or keep the valid part.
Offsets are converted with ``annotations.spans.Utf16Index`` wherever a format counts UTF-16 units.
"""

from annotations.formats.claimreview import write_claimreview
from annotations.formats.conll import write_conll
from annotations.formats.csv_rows import write_csv
from annotations.formats.doccano import (
    iter_doccano,
    iter_doccano_items,
    read_doccano,
    write_doccano,
)
from annotations.formats.fever import DEFAULT_STATUS_MAP, write_fever
from annotations.formats.jsonl import (
    iter_native_jsonl,
    iter_native_jsonl_items,
    read_native_jsonl,
    write_jsonl,
)
from annotations.formats.label_studio import (
    label_studio_config,
    parse_label_studio,
    read_label_studio,
    write_label_studio,
)
from annotations.formats.parquet import write_parquet
from annotations.formats.records import (
    ExportDocument,
    ExportEvidence,
    ExportLabel,
    ExportProject,
    ExportSpan,
    ExportStatus,
    ExportSummary,
    ImportIssue,
    ImportReport,
    ImportResult,
)

# name -> (file extension, media type, binary output)
FORMATS: dict[str, tuple[str, str, bool]] = {
    "jsonl": ("jsonl", "application/x-ndjson", False),
    "csv": ("csv", "text/csv", False),
    "parquet": ("parquet", "application/vnd.apache.parquet", True),
    "conll": ("conll", "text/plain", False),
    "label_studio": ("json", "application/json", False),
    "doccano": ("jsonl", "application/x-ndjson", False),
    "claimreview": ("jsonld", "application/ld+json", False),
    "fever": ("jsonl", "application/x-ndjson", False),
}

__all__ = [
    "DEFAULT_STATUS_MAP",
    "FORMATS",
    "ExportDocument",
    "ExportEvidence",
    "ExportLabel",
    "ExportProject",
    "ExportSpan",
    "ExportStatus",
    "ExportSummary",
    "ImportIssue",
    "ImportReport",
    "ImportResult",
    "iter_doccano",
    "iter_doccano_items",
    "iter_native_jsonl",
    "iter_native_jsonl_items",
    "label_studio_config",
    "parse_label_studio",
    "read_doccano",
    "read_label_studio",
    "read_native_jsonl",
    "write_claimreview",
    "write_conll",
    "write_csv",
    "write_doccano",
    "write_fever",
    "write_jsonl",
    "write_label_studio",
    "write_parquet",
]
