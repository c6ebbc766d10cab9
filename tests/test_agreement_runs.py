"""Agreement over the database: full and incremental runs, staleness, debouncing, the API, and
an end-to-end run on a real Celery worker."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from annotations.agreement import (
    DocumentAnnotations,
    SpanRecord,
    document_intermediate,
    project_report,
)
from annotations.agreement.project import ProjectAccumulator
from annotations.agreement.statistic import FEWER_THAN_TWO_CODERS
from annotations.models import (
    AgreementReport,
    Assignment,
    Document,
    DocumentAgreement,
    ProjectAgreement,
    Role,
)
from annotations.selectors.agreement import is_stale
from annotations.services.agreement import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    refresh_incremental,
    rollup,
)
from annotations.services.agreement_inputs import document_inputs_changed
from annotations.services.assignments import assignment_transition
from annotations.services.projects import project_delete
from annotations.services.spans import span_create, span_update
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project
from tests.waiting import wait_until
from workbench import heartbeat
from workbench.celery import app as celery_app

TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."


@pytest.fixture
def team(db):
    manager = UserFactory(username="lead")
    project = make_project(manager, name="Agreement", annotators_per_document=3)
    annotators = [UserFactory(username=f"coder{i}") for i in range(3)]
    for user in annotators:
        add_member(project, user, Role.ANNOTATOR)
    return project, manager, annotators


def annotate(project, document, user, spans, submit=True):
    """spans: (label_key, start, end)"""
    assignment = Assignment.objects.filter(document=document, annotator=user).first() or assign(
        document, user
    )
    for key, start, end in spans:
        span_create(
            annotator=user,
            document=document,
            label=project.labels.get(key=key),
            start=start,
            end=end,
        )
    if submit:
        assignment_transition(assignment=assignment, action="submit")


@pytest.fixture
def annotated(team):
    project, manager, (a, b, c) = team
    first = DocumentFactory(project=project, text=TEXT)
    second = DocumentFactory(project=project, text=TEXT)
    annotate(project, first, a, [("claim", 4, 40), ("denial", 42, 83)])
    annotate(project, first, b, [("claim", 4, 30), ("verifiable_fact", 42, 83)])
    annotate(project, first, c, [("claim", 0, 12)], submit=False)  # not submitted: ignored
    annotate(project, second, a, [("denial", 0, 40)])
    annotate(project, second, b, [("denial", 0, 40), ("claim", 50, 60)])
    return project, manager, (a, b, c), (first, second)


def hand_built(project, documents, submitted):
    """The same inputs as the database holds, assembled without the code under test."""
    records = []
    for document in documents:
        annotators = tuple(sorted(u.pk for u in submitted))
        spans = tuple(
            SpanRecord(s.annotator_id, s.label_id, s.start, s.end, s.status_id)
            for s in document.spans.filter(annotator__in=submitted)
        )
        records.append(DocumentAnnotations(document.pk, len(document.text), annotators, spans))
    return records


def test_full_run_reports_submitted_annotations_only(annotated):
    project, _, (a, b, _), docs = annotated
    report = refresh_incremental(project_id=project.pk)

    expected = project_report(
        (document_intermediate(d) for d in hand_built(project, docs, [a, b])),
        bootstrap_resamples=BOOTSTRAP_RESAMPLES,
        seed=BOOTSTRAP_SEED,
    )
    assert report.documents_counted == 2
    assert report.metrics["character_alpha"]["value"] == pytest.approx(
        expected["character_alpha"]["value"], abs=1e-12
    )
    for key in (
        "character_alpha",
        "unitizing_alpha",
        "span_f1",
        "cohen_kappa",
        "fleiss_kappa",
        "status_alpha",
    ):
        assert report.metrics[key] == expected[key], key
    assert report.metrics["annotators"] == [a.pk, b.pk]
    assert not is_stale(project.pk, report)


def test_incremental_update_equals_full_recomputation(annotated):
    project, _, (a, b, _), (first, _second) = annotated
    refresh_incremental(project_id=project.pk)

    span = first.spans.get(annotator=b, label__key="claim")
    span_update(span=span, expected_version=span.version, end=40)
    assert DocumentAgreement.objects.get(document=first).dirty
    assert is_stale(project.pk, AgreementReport.objects.latest())

    incremental = refresh_incremental(project_id=project.pk)
    assert incremental.timings["documents_recomputed"] == 1
    full = rollup(project_id=project.pk)
    assert incremental.fingerprint == full.fingerprint
    for key in ("character_alpha", "unitizing_alpha", "span_f1", "cohen_kappa", "status_alpha"):
        assert incremental.metrics[key] == full.metrics[key], key
    assert not is_stale(project.pk, incremental)


def test_edit_outside_submitted_work_makes_no_new_report(annotated):
    project, _, (_, _, c), (first, _) = annotated
    refresh_incremental(project_id=project.pk)
    before = AgreementReport.objects.count()
    span_create(
        annotator=c, document=first, label=project.labels.get(key="denial"), start=13, end=20
    )
    assert refresh_incremental(project_id=project.pk) is None
    assert AgreementReport.objects.count() == before
    assert not DocumentAgreement.objects.filter(project=project, dirty=True).exists()


def test_each_documents_own_unitizing_alpha_is_in_its_report_row(annotated, client_for):
    project, manager, (a, b, _), docs = annotated
    lone = DocumentFactory(project=project, text=TEXT)
    annotate(project, lone, a, [("claim", 0, 10)])  # one annotator: undefined, and why
    refresh_incremental(project_id=project.pk)

    body = client_for(manager).get(f"/api/v1/projects/{project.pk}/agreement/").json()
    metrics = body["report"]["metrics"]
    rows = {
        r["document_id"]: r for r in metrics["documents_ranked"] + metrics["documents_undefined"]
    }
    for document in docs:
        # The project value of a project of this one document is the document's own value.
        alone = project_report(
            [document_intermediate(d) for d in hand_built(project, [document], [a, b])],
            bootstrap_resamples=0,
        )["unitizing_alpha"]
        assert alone["value"] is not None
        assert rows[document.pk]["unitizing_alpha"] == pytest.approx(alone["value"], abs=1e-12)
        assert rows[document.pk]["unitizing_reason"] is None
    assert rows[lone.pk]["unitizing_alpha"] is None
    assert rows[lone.pk]["unitizing_reason"] == FEWER_THAN_TWO_CODERS


def test_running_sums_stored_in_the_older_layout_are_rebuilt_and_reported(annotated):
    project, _, (_, _, c), (first, _) = annotated
    before = refresh_incremental(project_id=project.pk)
    # What a deployment upgraded from the previous version holds: running sums in layout 1,
    # without the per-document unitizing alpha, and a report whose rows lack it.
    state = ProjectAgreement.objects.get(project=project)
    state.accumulator["schema"] = 1
    del state.accumulator["documents"]["unitizing_alphas"]
    del state.accumulator["documents"]["unitizing_reasons"]
    state.save()
    for row in before.metrics["documents_ranked"] + before.metrics["documents_undefined"]:
        del row["unitizing_alpha"], row["unitizing_reason"]
    before.save()

    # An edit outside the submitted work changes no figure, yet the rebuilt sums are reported.
    denial = project.labels.get(key="denial")
    span_create(annotator=c, document=first, label=denial, start=13, end=20)
    report = refresh_incremental(project_id=project.pk)
    assert report is not None and report.fingerprint == before.fingerprint
    ProjectAccumulator.from_json(ProjectAgreement.objects.get(project=project).accumulator)
    full = rollup(project_id=project.pk)
    for key in ("documents_ranked", "documents_undefined", "unitizing_alpha"):
        assert report.metrics[key] == full.metrics[key], key
    assert all(r["unitizing_alpha"] is not None for r in report.metrics["documents_ranked"])


def test_reopened_submission_stops_counting(annotated):
    project, _, (a, _, _), (first, _) = annotated
    refresh_incremental(project_id=project.pk)
    assignment_transition(
        assignment=Assignment.objects.get(document=first, annotator=a), action="reopen"
    )
    report = refresh_incremental(project_id=project.pk)
    assert report.documents_counted == 1


def test_deleted_document_triggers_full_recomputation(annotated, client_for):
    project, manager, _, (first, _) = annotated
    refresh_incremental(project_id=project.pk)
    assert (
        client_for(manager)
        .delete(f"/api/v1/projects/{project.pk}/documents/{first.pk}/")
        .status_code
        == 204
    )
    report = refresh_incremental(project_id=project.pk)
    assert report.documents_counted == 1
    listed = report.metrics["documents_ranked"] + report.metrics["documents_undefined"]
    assert [d["document_id"] for d in listed] == [
        d.pk for d in Document.objects.filter(project=project)
    ]


def test_undefined_when_fewer_than_two_coders(team):
    project, _, (a, _, _) = team
    document = DocumentFactory(project=project, text=TEXT)
    annotate(project, document, a, [("claim", 0, 10)])
    report = refresh_incremental(project_id=project.pk)
    alpha = report.metrics["character_alpha"]
    assert alpha["value"] is None
    assert alpha["reason"]


def test_burst_of_edits_schedules_one_refresh(
    annotated, monkeypatch, settings, django_capture_on_commit_callbacks
):
    project, _, (a, _, _), (first, _) = annotated
    settings.CELERY_TASK_ALWAYS_EAGER = False  # with a broker (eager mode: test_eager_refresh.py)
    sent = []
    monkeypatch.setattr(
        "annotations.tasks.agreement_refresh.apply_async",
        lambda *args, **kw: sent.append((args, kw)),
    )
    from django.core.cache import cache

    cache.delete(f"agreement-refresh-scheduled:{project.pk}")
    label = project.labels.get(key="claim")
    with django_capture_on_commit_callbacks(execute=True):
        for start in range(10, 20):
            span_create(annotator=a, document=first, label=label, start=start, end=start + 5)
    assert len(sent) == 1
    assert sent[0][1]["countdown"] >= 1


def test_api_permissions_and_report(
    annotated, client_for, reviewer, annotator, outsider, django_capture_on_commit_callbacks
):
    project, manager, (a, _, _), _ = annotated
    add_member(project, reviewer, Role.REVIEWER)
    url = f"/api/v1/projects/{project.pk}/agreement/"
    empty = client_for(reviewer).get(url).json()
    assert empty["report"] is None and empty["stale"] is True

    with django_capture_on_commit_callbacks(execute=True):
        started = client_for(reviewer).post(url)
    assert started.status_code == 202
    job = client_for(reviewer).get(f"/api/v1/jobs/{started.json()['id']}/").json()
    assert job["state"] == "succeeded", job

    body = client_for(manager).get(url).json()
    assert body["stale"] is False
    assert body["report"]["documents_counted"] == 2
    assert body["names"]["annotators"][str(a.pk)] == a.username
    assert len(body["history"]) == 1

    assert client_for(a).get(url).status_code == 403
    assert client_for(a).post(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for().get(url).status_code == 401


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_agreement_job_on_real_worker_in_chunks(team, client_for, settings, broker_mode):
    project, manager, (a, b, _) = team
    for _ in range(5):
        document = DocumentFactory(project=project, text=TEXT)
        annotate(project, document, a, [("claim", 4, 40)])
        annotate(project, document, b, [("claim", 4, 30)])
    settings.AGREEMENT_CHUNK_DOCUMENTS = 2  # three chunk tasks, then the roll-up
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        wait_until(heartbeat.alive_workers, what="the worker's heartbeat")
        response = client_for(manager).post(f"/api/v1/projects/{project.pk}/agreement/")
        job_id = response.json()["id"]

        def finished() -> dict | None:
            job = client_for(manager).get(f"/api/v1/jobs/{job_id}/").json()
            return job if job["state"] in ("succeeded", "failed") else None

        job = wait_until(finished, what=f"agreement job {job_id} to finish")
    assert job["state"] == "succeeded", job
    assert len(job["params"]["chunks"]) == 3
    assert job["progress_done"] == 5
    report = AgreementReport.objects.get(pk=job["result"]["report_id"])
    assert report.documents_counted == 5
    assert report.metrics["character_alpha"]["value"] is not None


def test_marking_many_documents_inserts_missing_rows_and_keeps_stored_results(project):
    from tests.factories import DocumentFactory

    documents = DocumentFactory.create_batch(450, project=project)  # more than one statement
    stored = DocumentAgreement.objects.create(
        document=documents[0], project=project, dirty=False, fingerprint="abc", alpha=0.5
    )
    document_inputs_changed(
        project_id=project.pk, document_ids=[d.pk for d in documents] + [documents[1].pk]
    )
    rows = DocumentAgreement.objects.filter(project=project)
    assert rows.count() == 450 and not rows.filter(dirty=False).exists()
    stored.refresh_from_db()
    assert (stored.dirty, stored.fingerprint, stored.alpha) == (True, "abc", 0.5)
    fresh = rows.get(document=documents[2])
    assert (fresh.fingerprint, fresh.intermediate, fresh.alpha, fresh.alpha_reason) == (
        "",
        None,
        None,
        "",
    )


def _dirty(document) -> bool | None:
    row = DocumentAgreement.objects.filter(document=document).first()
    return None if row is None else row.dirty


def test_the_database_marks_documents_dirty_on_every_span_write(project, manager):
    """Trigger span_marks_document_dirty: inserts (one by one or in bulk), updates and deletes."""
    from annotations.models import Span
    from tests.factories import DocumentFactory, make_span

    first, second, untouched = DocumentFactory.create_batch(3, project=project)
    claim = project.labels.get(key="claim")
    initial = project.statuses.get(is_initial=True)
    Span.objects.bulk_create(
        Span(
            project=project,
            document=d,
            annotator=manager,
            label=claim,
            status=initial,
            start=0,
            end=3,
            quote=d.text[0:3],
        )
        for d in (first, second)
    )
    assert (_dirty(first), _dirty(second), _dirty(untouched)) == (True, True, None)

    DocumentAgreement.objects.update(dirty=False)
    Span.objects.filter(document=first).update(note="checked")
    assert (_dirty(first), _dirty(second)) == (True, False)

    DocumentAgreement.objects.update(dirty=False)
    Span.objects.filter(document=second).delete()
    assert (_dirty(first), _dirty(second)) == (False, True)

    # Deleting spans never creates a row (it would outlive a document being deleted).
    span = make_span(untouched, manager, 4, 12)
    DocumentAgreement.objects.filter(document=untouched).delete()
    span.delete()
    assert _dirty(untouched) is None


def test_documents_with_spans_and_their_projects_can_still_be_deleted(project, manager):
    from annotations.models import Document
    from tests.factories import DocumentFactory, make_span

    document = DocumentFactory(project=project)
    make_span(document, manager, 4, 12)
    document.delete()
    assert not DocumentAgreement.objects.filter(document_id=document.pk).exists()

    other = DocumentFactory(project=project)
    make_span(other, manager, 0, 3)
    project_delete(project=project)
    assert not Document.objects.filter(pk=other.pk).exists()
    assert not DocumentAgreement.objects.filter(project_id=project.pk).exists()
