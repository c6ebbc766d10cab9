"""Inputs of agreement that changed: the rows of ``DocumentAgreement`` marked dirty and the refresh
scheduled (see ``annotations.services.agreement`` for what a refresh then does).

Apart from the agreement computation so that the services that add documents, submissions and
spans do not load its maths (numpy, scipy) with them: a management command that imports
documents starts in half the time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from annotations.bulk import insert_rows
from annotations.models import DocumentAgreement, ProjectAgreement
from annotations.services import background


def document_inputs_changed(*, project_id: int, document_ids: Iterable[int]) -> None:
    """Mark documents whose text or submissions changed, and schedule a debounced refresh."""
    ids = sorted(set(document_ids))
    if not ids:
        return
    # Submissions, document edits and assignment deletions land here; span writes are marked by
    # the trigger of migration 0010. One upsert: rows that exist keep their stored intermediate.
    DocumentAgreement.objects.bulk_create(
        [DocumentAgreement(document_id=pk, project_id=project_id, dirty=True) for pk in ids],
        update_conflicts=True,
        unique_fields=["document"],
        update_fields=["dirty"],
        batch_size=400,
    )
    background.refresh_after_commit(project_id)


def documents_added(*, project_id: int, document_ids: Sequence[int]) -> None:
    """New documents are inputs of the report (a full run counts each, as skipped until two
    annotators submit it): each gets a dirty agreement row, in the transaction that adds it, and
    the refresh is scheduled. Every service that adds documents calls this; a document added
    around them (the admin, a script) is counted from the project's next full run."""
    # COPY on PostgreSQL: an import adds thousands of rows, and bulk_create cost a quarter of the
    # document insert itself (bench/api.py, 10,000 documents through import_path).
    insert_rows(
        DocumentAgreement,
        ("document", "project", "dirty", "fingerprint", "alpha_reason"),
        ((pk, project_id, True, "", "") for pk in sorted(document_ids)),
    )
    background.refresh_after_commit(project_id)


def spans_changed(*, project_id: int) -> None:
    """Spans of the project were written: the database marked their documents dirty (trigger
    span_marks_document_dirty, migration 0010); schedule the debounced refresh."""
    background.refresh_after_commit(project_id)


def documents_removed(*, project_id: int) -> None:
    """Deleted documents take their stored intermediates with them, so the running sums can no
    longer subtract them: the next refresh recomputes the project from scratch."""
    ProjectAgreement.objects.filter(project_id=project_id).update(accumulator=None)
    background.refresh_after_commit(project_id)
