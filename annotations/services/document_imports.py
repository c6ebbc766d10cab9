"""Document import from a folder of ``.txt`` files, a JSONL file or a CSV file.

Records are streamed and inserted in batches, so 10,000 documents never sit in memory at once.
Each file is all-or-nothing: if any record of a file is invalid, nothing of that file is stored
and every bad line is reported (up to ``MAX_REPORTED_ERRORS``) with its line number and field.

Formats
- ``txt``: one document per file; the whole file is the text, byte for byte as in the file (UTF-8;
  a leading BOM is dropped), so the headline can be annotated; its first non-empty line, trimmed,
  is also the displayed title (cut at a word when longer than the title field).
- ``jsonl``: one JSON object per line with ``text`` (required), ``title``, ``source_url``,
  ``published_at`` (ISO 8601 date or date-time), ``metadata`` (object). Blank lines are ignored.
- ``csv``: a header row naming the same columns; ``metadata`` holds a JSON object.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from annotations import json_depth
from annotations.bulk import insert_rows_returning_ids
from annotations.errors import InvalidInput
from annotations.json_depth import JsonTooDeep, check_json_depth
from annotations.models import Document, Job, Project
from annotations.permissions import check_project_open
from annotations.services.agreement_inputs import documents_added
from annotations.services.background import IMPORT_DOCUMENTS, search_index_after_commit
from annotations.services.jobs import JobFailed, JobOutcome, ProgressReporter
from annotations.services.uploads import (
    StoredUpload,
    import_upload_dir,
    upload_dir_remove,
    upload_job_start,
)

FORMATS = ("txt", "jsonl", "csv")
BATCH_SIZE = 1000
MAX_REPORTED_ERRORS = 100
KNOWN_FIELDS = {"text", "title", "source_url", "published_at", "metadata"}
TITLE_MAX = Document._meta.get_field("title").max_length
URL_MAX = Document._meta.get_field("source_url").max_length

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes total)


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass(slots=True)
class FileImportResult:
    name: str
    created: int = 0
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    max_errors: int = MAX_REPORTED_ERRORS  # listed in ``errors``; the rest are only counted

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, error: LineError) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(error)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "created": self.created,
            "error_count": self.error_count,
            "errors": [e.as_dict() for e in self.errors],
        }


class ImportFormatError(ValueError):
    """The file as a whole cannot be read in the requested format."""


def detect_format(path: Path) -> str:
    if path.is_dir():
        return "txt"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv",):
        return "csv"
    if suffix == ".txt":
        return "txt"
    raise ImportFormatError(
        f"Cannot tell the format of {path.name!r} from its extension; use .txt, .jsonl or .csv "
        "(or name the format explicitly)."
    )


# --- parsing: (line number, raw record) pairs ------------------------------------------------------


def _text_stream(raw: BinaryIO) -> io.TextIOWrapper:
    # newline="" keeps "\r\n" inside texts exactly as imported.
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")


def iter_jsonl(raw: BinaryIO) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    stream = _text_stream(raw)
    line_no = 0
    while True:
        try:
            line = stream.readline()
        except UnicodeDecodeError as exc:
            yield line_no + 1, LineError(line_no + 1, "file", f"Not valid UTF-8: {exc.reason}.")
            return
        if not line:
            return
        line_no += 1
        if not line.strip():
            continue
        try:
            record = json_depth.loads(line)
        except JsonTooDeep as exc:
            yield line_no, LineError(line_no, "line", str(exc))
            continue
        except json.JSONDecodeError as exc:
            yield (
                line_no,
                LineError(line_no, "line", f"Not valid JSON: {exc.msg} (column {exc.colno})."),
            )
            continue
        if not isinstance(record, dict):
            yield line_no, LineError(line_no, "line", "Each line must be a JSON object.")
            continue
        yield line_no, record


def iter_csv(raw: BinaryIO) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    stream = _text_stream(raw)
    reader = csv.DictReader(stream, strict=True)
    try:
        header = reader.fieldnames
    except (csv.Error, UnicodeDecodeError) as exc:
        yield 1, LineError(1, "header", f"Cannot read the CSV header: {exc}.")
        return
    if not header or "text" not in header:
        yield (
            1,
            LineError(
                1, "header", f"The CSV header must name a 'text' column; it names {header or []}."
            ),
        )
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield reader.line_num, LineError(reader.line_num, "line", f"Unreadable CSV: {exc}.")
            return
        line_no = reader.line_num
        if None in row:
            yield line_no, LineError(line_no, "line", "More cells than header columns.")
            continue
        record: dict[str, Any] = {k: v for k, v in row.items() if v is not None}
        if record.get("metadata"):
            try:
                check_json_depth(record["metadata"])
                record["metadata"] = json.loads(record["metadata"])
            except JsonTooDeep as exc:
                yield line_no, LineError(line_no, "metadata", str(exc))
                continue
            except json.JSONDecodeError as exc:
                yield line_no, LineError(line_no, "metadata", f"Not valid JSON: {exc.msg}.")
                continue
        else:
            record.pop("metadata", None)
        yield line_no, {k: v for k, v in record.items() if v != "" or k == "text"}


def read_txt(raw: bytes, name: str) -> dict[str, Any] | LineError:
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return LineError(1, "file", f"{name}: not valid UTF-8 ({exc.reason}).")
    if not content.strip():  # only white space: nothing to annotate, reported as a missing text
        content = ""
    return {"title": txt_title(content), "text": content}


def txt_title(content: str) -> str:
    """The displayed title of a .txt document: its first non-empty line, trimmed, cut at a word
    (with "…") when longer than the title field holds. The line stays in the text, so a headline
    that carries a claim can be annotated like any other sentence."""
    lines = io.StringIO(content)  # read lazily: a long article is not split up front
    title = next((line.strip() for line in lines if line.strip()), "")
    if len(title) <= TITLE_MAX:
        return title
    cut = title[: TITLE_MAX - 1]
    word_end = cut.rfind(" ")
    if word_end > TITLE_MAX // 2:
        cut = cut[:word_end]
    return cut.rstrip() + "…"


# --- validation ----------------------------------------------------------------------------------

_url_validator = URLValidator(schemes=["http", "https"])


def parse_published(value: Any) -> dt.datetime:
    """An ISO 8601 date or date-time as an aware datetime: a date is its midnight, and a time
    without offset is UTC."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date or date-time string")
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(f"{value!r} is not an ISO 8601 date or date-time")
        parsed = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


def storage_problem(value: Any) -> str | None:
    """Why PostgreSQL would refuse the strings of a JSON value (NUL characters, lone surrogates),
    or None. DRF's CharField checks this itself; JSON fields and raw records need it here."""
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character (\\u0000), which cannot be stored"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone UTF-16 surrogate, which is not valid Unicode"
        return None
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        problem = storage_problem(item)
        if problem:
            return problem
    return None


def validate_record(line: int, record: dict[str, Any]) -> Document | list[LineError]:
    """An unsaved ``Document`` for a raw record, or every problem with it."""
    errors: list[LineError] = []
    for name, value in record.items():
        problem = storage_problem(value)
        if problem:
            errors.append(LineError(line, name, problem[0].upper() + problem[1:] + "."))
    unknown = sorted(set(record) - KNOWN_FIELDS)
    if unknown:
        errors.append(
            LineError(
                line, unknown[0], f"Unknown field(s) {unknown}; allowed: {sorted(KNOWN_FIELDS)}."
            )
        )
    text = record.get("text")
    if not isinstance(text, str) or text == "":
        errors.append(LineError(line, "text", "A non-empty string 'text' is required."))
    title = record.get("title", "")
    if not isinstance(title, str):
        errors.append(LineError(line, "title", "Must be a string."))
    elif len(title) > TITLE_MAX:
        errors.append(LineError(line, "title", f"Longer than {TITLE_MAX} characters."))
    source_url = record.get("source_url")
    if source_url is None:
        source_url = ""
    if not isinstance(source_url, str):  # {} or 0 too: not silently taken for "no URL"
        errors.append(LineError(line, "source_url", "Must be a string."))
    elif source_url:
        try:
            _url_validator(source_url)
            if len(source_url) > URL_MAX:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(
                LineError(line, "source_url", f"{source_url[:80]!r} is not a valid http(s) URL.")
            )
    published_at = None
    if record.get("published_at") not in (None, ""):
        try:
            published_at = parse_published(record["published_at"])
        except ValueError as exc:
            # Not str.capitalize(): it would lowercase the rest, the user's own value included.
            problem = str(exc)
            errors.append(LineError(line, "published_at", problem[:1].upper() + problem[1:] + "."))
    metadata = record.get("metadata", {})
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        errors.append(LineError(line, "metadata", "Must be a JSON object."))
    if errors:
        return errors
    return Document(
        title=title.strip(),
        text=text,
        source_url=source_url,
        published_at=published_at,
        metadata=metadata,
    )


# --- storing ---------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


# The columns every import writes, in this order (``annotation_imports`` writes the same).
DOCUMENT_COLUMNS = (
    "project",
    "title",
    "text",
    "source_url",
    "published_at",
    "metadata",
    "created_at",
    "import_job",
)


def checked_records(
    records: Iterable[tuple[int, dict[str, Any] | LineError]], result: FileImportResult
) -> Iterator[tuple[int, Document]]:
    """The valid records of a parsed file as unsaved documents, with their line numbers; every
    problem of the others goes to ``result``. The import stores what this yields, and the preview
    (``annotations.services.import_preview``) shows it: one set of rules for both."""
    for line, record in records:
        if isinstance(record, LineError):
            result.add_error(record)
            continue
        checked = validate_record(line, record)
        if isinstance(checked, list):
            for error in checked:
                result.add_error(error)
            continue
        yield line, checked


def _insert(project: Project, documents: list[Document], import_job_id: Any = None) -> None:
    """Insert validated documents (by COPY on PostgreSQL) and give each its new primary key.
    ``import_job_id``: the import job whose batch they are (``Document.import_job``), if any."""
    now = timezone.now()
    with transaction.atomic():
        ids = insert_rows_returning_ids(
            Document,
            DOCUMENT_COLUMNS,
            [
                (
                    project.pk,
                    d.title,
                    d.text,
                    d.source_url,
                    d.published_at,
                    d.metadata,
                    now,
                    import_job_id,
                )
                for d in documents
            ],
        )
        for document, pk in zip(documents, ids, strict=True):
            document.pk = pk
        documents_added(project_id=project.pk, document_ids=ids)
        search_index_after_commit(project.pk)  # vectors in the background, never inline


def _store(
    project: Project,
    records: Iterator[tuple[int, dict[str, Any] | LineError]],
    result: FileImportResult,
    on_batch: Callable[[], None] | None = None,
    import_job_id: Any = None,
) -> None:
    """Validate and insert ``records`` in one transaction; roll back if any is invalid."""
    try:
        with transaction.atomic():
            batch: list[Document] = []
            for _line, checked in checked_records(records, result):
                if result.error_count:
                    continue  # keep validating to report every bad line, but stop inserting
                checked.project = project
                batch.append(checked)
                if len(batch) >= BATCH_SIZE:
                    _insert(project, batch, import_job_id)
                    result.created += len(batch)
                    batch.clear()
                    if on_batch:
                        on_batch()
            if result.error_count:
                raise _Rollback
            if batch:
                _insert(project, batch, import_job_id)
                result.created += len(batch)
    except _Rollback:
        result.created = 0


def parse_stream(
    raw: BinaryIO, fmt: str, name: str
) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    """``(line number, raw record or its problem)`` of one file in a document format; a .txt file
    is one record."""
    if fmt == "txt":
        return iter([(1, read_txt(raw.read(), name))])
    if fmt == "jsonl":
        return iter_jsonl(raw)
    if fmt == "csv":
        return iter_csv(raw)
    raise ImportFormatError(f"Unknown format {fmt!r}; use one of {FORMATS}.")


def import_stream(
    *,
    project: Project,
    raw: BinaryIO,
    fmt: str,
    name: str,
    progress: ProgressCallback | None = None,
    import_job_id: Any = None,
) -> FileImportResult:
    """Import one JSONL or CSV stream (or one .txt file) all-or-nothing. ``import_job_id``: the job
    whose batch the documents are (``Document.import_job``)."""
    result = FileImportResult(name=name)
    total = _size(raw)
    records = parse_stream(raw, fmt, name)

    def report() -> None:
        if progress:
            progress(raw.tell(), total)

    _store(project, records, result, on_batch=report, import_job_id=import_job_id)
    if progress:
        progress(total, total)
    return result


def import_records(
    *, project: Project, records: list[dict[str, Any]], name: str = "request"
) -> FileImportResult:
    """Import already-parsed records (the JSON bulk endpoint) all-or-nothing; lines count from 1."""
    check_project_open(project)
    result = FileImportResult(name=name)
    _store(
        project,
        (
            (i, r if isinstance(r, dict) else LineError(i, "line", "Must be a JSON object."))
            for i, r in enumerate(records, 1)
        ),
        result,
    )
    return result


def _size(raw: BinaryIO) -> int:
    position = raw.tell()
    raw.seek(0, io.SEEK_END)
    size = raw.tell()
    raw.seek(position)
    return size


def txt_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".txt")


def import_path(
    *,
    project: Project,
    path: Path,
    fmt: str | None = None,
    progress: ProgressCallback | None = None,
    import_job_id: Any = None,
) -> list[FileImportResult]:
    """Import a file or a folder of ``.txt`` files; one result per file. ``import_job_id``: the
    job whose batch the documents are (``Document.import_job``); None outside a job."""
    check_project_open(project)
    if not path.exists():
        raise ImportFormatError(f"{path} does not exist.")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ImportFormatError(f"Unknown format {fmt!r}; use one of {FORMATS}.")
    if path.is_dir():
        if fmt != "txt":
            raise ImportFormatError(
                "A folder is imported as .txt files; give a file for jsonl or csv."
            )
        files = txt_files(path)
        if not files:
            raise ImportFormatError(f"{path} holds no .txt files.")
        return _import_txt_files(project, files, progress, import_job_id)
    with path.open("rb") as raw:
        return [
            import_stream(
                project=project,
                raw=raw,
                fmt=fmt,
                name=path.name,
                progress=progress,
                import_job_id=import_job_id,
            )
        ]


def _import_txt_files(
    project: Project,
    files: list[Path],
    progress: ProgressCallback | None,
    import_job_id: Any = None,
) -> list[FileImportResult]:
    """Each .txt file is one document, so each file is trivially all-or-nothing: bad files are
    reported and skipped, good ones are inserted in batches."""
    results: list[FileImportResult] = []
    batch: list[tuple[Document, FileImportResult]] = []

    def flush() -> None:
        _insert(project, [doc for doc, _ in batch], import_job_id)
        for _, result in batch:
            result.created = 1
        batch.clear()

    for i, file in enumerate(files, start=1):
        result = FileImportResult(name=file.name)
        results.append(result)
        record = read_txt(file.read_bytes(), file.name)
        checked = validate_record(1, record) if isinstance(record, dict) else [record]
        if isinstance(checked, list):
            for error in checked:
                result.add_error(error)
        else:
            checked.project = project
            batch.append((checked, result))
            if len(batch) >= BATCH_SIZE:
                flush()
        if progress and (i % 100 == 0 or i == len(files)):
            progress(i, len(files))
    if batch:
        flush()
    return results


# --- as a background job ---------------------------------------------------------------------------


def document_import_start(
    *,
    project: Project,
    user: Any,
    files: Sequence[UploadedFile | StoredUpload],
    fmt: str | None = None,
) -> Job:
    """Store the uploaded files and import them in the background, each file all or nothing.
    ``fmt`` is taken from each file's extension when not given (a ``StoredUpload``: its own)."""
    check_project_open(project)
    entries = []
    for upload in files:
        own = upload.format if isinstance(upload, StoredUpload) else None
        try:
            file_format = fmt or own or detect_format(Path(upload.name))
        except ImportFormatError as exc:
            raise InvalidInput({"file": str(exc)}) from exc
        entries.append(
            {
                "name": Path(upload.name).name,
                "format": file_format,
                "stored_as": f"{uuid.uuid4().hex}{Path(upload.name).suffix}",
            }
        )
    return upload_job_start(
        project=project,
        user=user,
        uploads=list(zip(files, [e["stored_as"] for e in entries], strict=True)),
        params={"files": entries},
        task_name=IMPORT_DOCUMENTS,
    )


def document_import_run(*, job: Job) -> JobOutcome:
    """Import the files uploaded for ``job``. A redelivered job skips the files an earlier
    delivery imported."""
    job_id = str(job.pk)
    files = [
        (import_upload_dir(job_id) / item["stored_as"], item)
        for item in job.params.get("files", [])
    ]
    done_before = {
        r["file"] for r in (job.result or {}).get("files", []) if r.get("error_count") == 0
    }
    reporter = ProgressReporter(job_id, total=len(files))
    results = list((job.result or {}).get("files", []))
    try:
        for index, (path, item) in enumerate(files):
            if item["name"] in done_before:
                continue
            try:
                file_results = import_path(
                    project=job.project, path=path, fmt=item.get("format"), import_job_id=job.pk
                )
            except ImportFormatError as exc:
                results.append(
                    {
                        "file": item["name"],
                        "created": 0,
                        "error_count": 1,
                        "errors": [{"line": 0, "field": "file", "message": str(exc)}],
                    }
                )
            else:
                for r in file_results:
                    entry = r.as_dict()
                    entry["file"] = (
                        item["name"] if len(file_results) == 1 else f"{item['name']}/{r.name}"
                    )
                    results.append(entry)
            reporter(index + 1)
    except DatabaseError as exc:
        raise JobFailed(f"Database error during import: {exc}", result={"files": results}) from exc
    summary = {
        "files": results,
        "created": sum(r["created"] for r in results),
        "failed_files": sum(1 for r in results if r["error_count"]),
    }
    upload_dir_remove(job_id)
    if summary["failed_files"]:
        return JobOutcome(
            result=summary,
            error=f"{summary['failed_files']} of {len(results)} file(s) had errors and were not "
            "imported; see result.files for each line's problem.",
        )
    return JobOutcome(result=summary)
