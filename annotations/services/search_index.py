"""The documents table's full-text search vectors, filled in the background in bounded batches.

A document's ``search_vector`` is NULL from the moment it is added, or its title or text changes,
until a fill sets it (``SEARCH_VECTOR_SQL``, defined once in ``selectors.document_table`` beside
the query that reads it). Meanwhile a search still finds the document, by a plain scan of the
pending ones (``selectors.document_table``), so a pending vector costs speed, never a result.
Imports never compute vectors inline: that cost 0.35 ms per document on the import itself.

Who fills: the services that add or change documents schedule a fill after their commit
(``background.search_index_after_commit``), and the worker's periodic sweep schedules one for any
project left with pending vectors (a fill whose message was lost, Redis down when the documents
were added). Each batch is its own short transaction and skips rows another transaction holds
(``SKIP LOCKED``): two fills of one project share the work instead of queueing behind each other,
and a document being edited is left for the fill its edit schedules. On SQLite there are no
vectors; every function here does nothing.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from annotations.models import Document, Project
from annotations.selectors.document_table import SEARCH_VECTOR_SQL
from annotations.services import background

# Documents per UPDATE: about 0.3 s of work on 2,500-character articles, so that a batch holds
# its row locks briefly and an edit of one of them waits at most that long.
FILL_BATCH = 1000

# The pending documents come straight off the partial index ``document_search_pending`` (which
# holds only them), in no particular order: an ORDER BY id would read every pending row to sort
# them, once per batch.
_FILL_SQL = f"""
UPDATE annotations_document d SET search_vector = {SEARCH_VECTOR_SQL}
  FROM (SELECT id FROM annotations_document
         WHERE project_id = %s AND search_vector IS NULL
         LIMIT %s FOR UPDATE SKIP LOCKED) pending
 WHERE d.id = pending.id
"""


def search_index_fill(*, project_id: int, batch_size: int = FILL_BATCH) -> int:
    """Fill the project's pending search vectors, batch after batch, until none is left that no
    other transaction holds. Returns how many it filled. Idempotent: a second run finds nothing."""
    if connection.vendor != "postgresql":
        return 0
    filled = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_FILL_SQL, [project_id, batch_size])
            done = cursor.rowcount
        filled += done
        if done < batch_size:
            return filled


def search_index_pending_projects() -> list[int]:
    """Projects with documents whose vector is pending: one probe of the partial index
    ``document_search_pending`` per project, which holds only pending documents."""
    if connection.vendor != "postgresql":
        return []
    pending = Document.objects.filter(project_id=OuterRef("pk"), search_vector__isnull=True)
    return list(Project.objects.filter(Exists(pending)).order_by("pk").values_list("pk", flat=True))


def search_index_sweep() -> list[int]:
    """Schedule a fill for every project left with pending vectors (periodic: ``workbench.sweep``).
    Returns those projects' ids."""
    project_ids = search_index_pending_projects()
    for project_id in project_ids:
        background.schedule_search_index(project_id)
    return project_ids
