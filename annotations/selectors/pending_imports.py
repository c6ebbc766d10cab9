"""Uploads waiting for the manager's go, as ``annotations.services.pending_imports`` stores them:
read back for the manager who uploaded them, and for no one else.

A pending import is a folder ``MEDIA_ROOT/imports/pending/<token>/`` with the uploaded files and
``manifest.json``: the project, the uploader, when, the options, each file's name, format and
stored name, and the preview of every file. It lives on disk beside the import jobs' own upload
folders (the workers read those), not in a table: it is a draft of one person's, and its files
must be on disk for the jobs anyway.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

# A pending import not started within this time is removed (by the next upload's prune).
PENDING_MAX_AGE = dt.timedelta(hours=24)
MANIFEST = "manifest.json"
_TOKEN = re.compile(r"[0-9a-f]{32}")


def pending_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "pending"


def pending_dir(token: str) -> Path:
    if not _TOKEN.fullmatch(token):
        raise ValueError(f"Not a pending import token: {token!r}")
    return pending_root() / token


@dataclass(frozen=True, slots=True)
class PendingFile:
    name: str  # as the user uploaded it
    stored_as: str  # its name in the pending folder
    format: str
    detected: bool
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stored_as": self.stored_as,
            "format": self.format,
            "detected": self.detected,
            "size": self.size,
        }


@dataclass(frozen=True, slots=True)
class PendingImport:
    token: str
    project_id: int
    user_id: int
    created_at: dt.datetime
    options: dict[str, Any]  # annotations.services.import_preview.ImportOptions.as_dict()
    files: tuple[PendingFile, ...]
    previews: tuple[dict[str, Any], ...]  # FilePreview.as_dict() of each file, in order

    @property
    def folder(self) -> Path:
        return pending_dir(self.token)

    def path(self, file: PendingFile) -> Path:
        return self.folder / file.stored_as

    @property
    def ok(self) -> bool:
        """Every file would import: no problem in any preview."""
        return all(p["error_count"] == 0 for p in self.previews)

    @property
    def error_count(self) -> int:
        return sum(p["error_count"] for p in self.previews)

    @property
    def annotated(self) -> bool:
        """Some file is an annotated one (the import options concern it)."""
        return any(p["annotated"] for p in self.previews)

    @property
    def expires_at(self) -> dt.datetime:
        return self.created_at + PENDING_MAX_AGE

    def as_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "project": self.project_id,
            "user": self.user_id,
            "created_at": self.created_at.isoformat(),
            "options": self.options,
            "files": [f.as_dict() for f in self.files],
            "previews": list(self.previews),
        }


def read_manifest(folder: Path) -> PendingImport | None:
    """The pending import stored in ``folder``, or None when its manifest is missing or unreadable
    (half written, or written by another version)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return PendingImport(
            token=data["token"],
            project_id=int(data["project"]),
            user_id=int(data["user"]),
            created_at=dt.datetime.fromisoformat(data["created_at"]),
            options=dict(data["options"]),
            files=tuple(PendingFile(**f) for f in data["files"]),
            previews=tuple(data["previews"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _visible(pending: PendingImport | None, project_id: object, user: Any) -> bool:
    return (
        pending is not None
        and str(pending.project_id) == str(project_id)
        and pending.user_id == user.pk
        and pending.expires_at > timezone.now()
    )


def pending_import_get(*, project_id: object, user: Any, token: str) -> PendingImport | None:
    """The user's pending import ``token`` of the project, or None (someone else's, another
    project's, expired, started or discarded)."""
    try:
        folder = pending_dir(token)
    except ValueError:
        return None
    pending = read_manifest(folder)
    return pending if _visible(pending, project_id, user) else None


def pending_import_list(*, project_id: object, user: Any) -> list[PendingImport]:
    """The user's pending imports of the project, newest first."""
    root = pending_root()
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        if folder.is_dir() and _TOKEN.fullmatch(folder.name):
            pending = read_manifest(folder)
            if _visible(pending, project_id, user):
                found.append(pending)
    return sorted(found, key=lambda p: p.created_at, reverse=True)
