"""Labelled datasets out: one module per format, each a pure streaming writer over plain records.

Imports nothing from Django, DRF or Celery (stdlib and pyarrow only). Every writer takes an
iterable of ``ExportDocument`` (consumed once, lazily: a generator of any length works in bounded
memory) and a file object, and returns an ``ExportSummary``. Text formats accept a text file or a
binary file (written as UTF-8); Parquet needs a binary file or a path. Writers never close the
file they are given.

* ``records``      ``ExportDocument``, ``ExportSpan``, ``ExportEvidence``, ``ExportProject``,
                   ``ExportSummary``
* ``offsets``      ``Utf16Index``: code point <-> UTF-16 code unit offsets
* ``jsonl``        native JSONL, lossless (its docstring documents every field)
* ``csv_rows``     CSV, one span per row (columns in ``tabular``)
* ``parquet``      Parquet, one span per row, typed columns, bounded row groups
* ``conll``        CoNLL BIO, one token per line (tokenizer and overlap rule documented)
* ``label_studio`` Label Studio task array and matching labelling config
* ``doccano``      doccano sequence-labelling JSONL, one annotator (or gold) per file
* ``claimreview``  schema.org ClaimReview JSON-LD for adjudicated final verdicts
* ``fever``        FEVER-style JSONL (SUPPORTS / REFUTES / NOT ENOUGH INFO)

``annotations.interop`` parses Label Studio, doccano and our native JSONL back into records.
"""

from annotations.exports.claimreview import write_claimreview
from annotations.exports.conll import write_conll
from annotations.exports.csv_rows import write_csv
from annotations.exports.doccano import write_doccano
from annotations.exports.fever import DEFAULT_STATUS_MAP, write_fever
from annotations.exports.jsonl import write_jsonl
from annotations.exports.label_studio import label_studio_config, write_label_studio
from annotations.exports.offsets import Utf16Index
from annotations.exports.parquet import write_parquet
from annotations.exports.records import (
    ExportDocument,
    ExportEvidence,
    ExportLabel,
    ExportProject,
    ExportSpan,
    ExportStatus,
    ExportSummary,
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
    "Utf16Index",
    "label_studio_config",
    "write_claimreview",
    "write_conll",
    "write_csv",
    "write_doccano",
    "write_fever",
    "write_jsonl",
    "write_label_studio",
    "write_parquet",
]
