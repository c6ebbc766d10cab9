"""Uploads that wait for the manager's go: the import page stores the files, shows what their
import would do (``annotations.services.import_preview``), and starts the import jobs on those
same files when the manager confirms; nothing reaches the database before that.

The files and their manifest live in a folder (``annotations.selectors.pending_imports``). A
pending import ends when it is started (its files are linked into the jobs' upload folders,
``services.uploads``, and the folder removed), discarded, or left longer than
``PENDING_MAX_AGE``: each new upload first removes those (``pending_imports_prune``), as each
import job removes its own upload folder when it is done.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from annotations.errors import Conflict, NotFound
from annotations.models import Job, Project
from annotations.permissions import check_project_open
from annotations.selectors.pending_imports import (
    MANIFEST,
    PENDING_MAX_AGE,
    PendingFile,
    PendingImport,
    pending_root,
    read_manifest,
)
from annotations.services.annotation_imports import annotation_import_start
from annotations.services.background import after_commit
from annotations.services.document_imports import document_import_start
from annotations.services.import_preview import (
    NO_OPTIONS,
    ImportOptions,
    file_preview,
    import_formats,
    is_annotation_format,
    options_user,
)
from annotations.services.uploads import StoredUpload

logger = logging.getLogger(__name__)

_STARTING = ".starting"  # a folder being started: renamed first, so that only one start wins


def pending_import_create(
    *,
    project: Project,
    user: Any,
    files: Sequence[UploadedFile],
    fmt: str | None = None,
    options: ImportOptions = NO_OPTIONS,
) -> PendingImport:
    """Store the uploaded files as a pending import of ``user`` and preview them. Nothing is
    stored when a file's format cannot be told or an option is wrong (``InvalidInput`` naming the
    field), or when the project is archived (``Conflict``)."""
    check_project_open(project)
    formats = import_formats([(upload.name or "", upload) for upload in files], fmt)
    attribute_to = options_user(project, options, (f for f, _ in formats))
    pending_imports_prune()
    token = uuid.uuid4().hex
    folder = pending_root() / token
    folder.mkdir(parents=True)
    try:
        stored = []
        for upload, (file_format, detected) in zip(files, formats, strict=True):
            name = Path(upload.name or "upload").name
            # The stored name is ours: the user's only lends its extension, tamed.
            suffix = re.sub(r"[^a-z0-9.]", "", Path(name).suffix.lower())[:16]
            stored_as = f"{len(stored):03d}{suffix}"
            size = 0
            with (folder / stored_as).open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
                    size += len(chunk)
            stored.append(PendingFile(name, stored_as, file_format, detected, size))
        pending = PendingImport(
            token=token,
            project_id=project.pk,
            user_id=user.pk,
            created_at=timezone.now(),
            options=options.as_dict(),
            files=tuple(stored),
            previews=(),
        )
        return _preview(pending, project, options, attribute_to)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def pending_import_recheck(
    *, pending: PendingImport, project: Project, options: ImportOptions
) -> PendingImport:
    """Preview the stored files again with other options (a member to attribute the spans to,
    creating missing labels, ...), or after the project changed (a label or member added)."""
    check_project_open(project)
    attribute_to = options_user(project, options, (f.format for f in pending.files))
    return _preview(pending, project, options, attribute_to)


def _preview(
    pending: PendingImport, project: Project, options: ImportOptions, attribute_to: Any | None
) -> PendingImport:
    previews = []
    for file in pending.files:
        with pending.path(file).open("rb") as fp:
            preview = file_preview(
                project=project,
                fp=fp,
                name=file.name,
                fmt=file.format,
                detected=file.detected,
                options=options,
                attribute_to=attribute_to,
            )
        previews.append(preview.as_dict())
    updated = PendingImport(
        token=pending.token,
        project_id=pending.project_id,
        user_id=pending.user_id,
        created_at=pending.created_at,
        options=options.as_dict(),
        files=pending.files,
        previews=tuple(previews),
    )
    _write_manifest(updated)
    return updated


def _write_manifest(pending: PendingImport) -> None:
    # Written beside, then renamed over: a reader sees the old manifest or the new, never half.
    target = pending.folder / MANIFEST
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(pending.as_dict(), ensure_ascii=False), encoding="utf-8")
    os.replace(partial, target)


def pending_import_discard(*, pending: PendingImport) -> None:
    """Remove the pending import and its files."""
    shutil.rmtree(pending.folder, ignore_errors=True)


def pending_import_start(*, pending: PendingImport, project: Project, user: Any) -> list[Job]:
    """Start the import of the pending files, with the options of their last preview: one job for
    the document files, one per annotated file (as the API's two import endpoints start them).
    Refused (``Conflict``) while a preview shows a problem: the import would refuse the file."""
    check_project_open(project)
    if not pending.ok:
        raise Conflict(
            f"{pending.error_count} problem(s) in the files: fix them and upload the files "
            "again. Nothing was imported."
        )
    options = ImportOptions.from_dict(pending.options)
    # Only one start of a pending import wins: the first to rename its folder.
    claimed = pending.folder.with_name(pending.token + _STARTING)
    try:
        os.rename(pending.folder, claimed)
    except FileNotFoundError:
        raise NotFound("This upload was already imported or discarded.") from None
    try:
        with transaction.atomic():
            jobs = _start_jobs(pending, claimed, project, user, options)
    except BaseException:
        os.rename(claimed, pending.folder)  # the manager may try again
        raise
    # The jobs hold their own links to the files now.
    after_commit(lambda: shutil.rmtree(claimed, ignore_errors=True))
    return jobs


def _start_jobs(
    pending: PendingImport, claimed: Path, project: Project, user: Any, options: ImportOptions
) -> list[Job]:
    documents = [
        StoredUpload(f.name, claimed / f.stored_as, f.format)
        for f in pending.files
        if not is_annotation_format(f.format)
    ]
    jobs = []
    if documents:
        jobs.append(document_import_start(project=project, user=user, files=documents))
    for file in pending.files:
        if is_annotation_format(file.format):
            jobs.append(
                annotation_import_start(
                    project=project,
                    user=user,
                    upload=StoredUpload(file.name, claimed / file.stored_as, file.format),
                    fmt=file.format,
                    attribute_to=options.attribute_to,
                    annotator=options.annotator,
                    create_labels=options.create_labels,
                )
            )
    return jobs


def pending_imports_prune(*, now: dt.datetime | None = None) -> int:
    """Remove the pending imports older than ``PENDING_MAX_AGE`` (and the leftovers of starts
    that failed that long ago); returns how many."""
    root = pending_root()
    if not root.is_dir():
        return 0
    oldest = (now or timezone.now()) - PENDING_MAX_AGE
    removed = 0
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        pending = read_manifest(folder)
        if pending is not None:
            created = pending.created_at
        else:  # no manifest (yet, or any more): its folder's age
            created = dt.datetime.fromtimestamp(folder.stat().st_mtime, tz=dt.UTC)
        if created < oldest:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    if removed:
        logger.info("removed %s pending import(s) older than %s", removed, PENDING_MAX_AGE)
    return removed
