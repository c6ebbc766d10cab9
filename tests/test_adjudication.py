"""Adjudication API: clusters, gold spans, verdicts with evidence and history, comments, gold
comparison, and who may do what."""

from __future__ import annotations

import pytest

from annotations.agreement.statistic import FEWER_THAN_TWO_CODERS
from annotations.models import Comment, GoldSpan, Role, VerdictChange
from annotations.selectors.agreement import is_stale
from annotations.services.agreement import refresh_incremental
from annotations.services.assignments import assignment_transition
from annotations.services.spans import span_create
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project

TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."
#       0123456789012345678901234567890123456789012345678901234567890123456789012345678901234


@pytest.fixture
def setup(db):
    manager = UserFactory(username="boss")
    reviewer = UserFactory(username="judge")
    coders = [UserFactory(username=f"a{i}") for i in range(3)]
    outsider = UserFactory(username="stranger")
    project = make_project(manager, name="Adjudicate")
    add_member(project, reviewer, Role.REVIEWER)
    for coder in coders:
        add_member(project, coder, Role.ANNOTATOR)
    other = make_project(UserFactory(username="other"), name="Other")
    add_member(other, outsider, Role.ANNOTATOR)
    document = DocumentFactory(project=project, text=TEXT)
    claim, denial = project.labels.get(key="claim"), project.labels.get(key="denial")
    spans = {}
    for coder, versions in zip(
        coders,
        [[(claim, 0, 40), (denial, 42, 84)], [(claim, 0, 40), (denial, 42, 60)], [(claim, 0, 40)]],
        strict=True,
    ):
        assignment = assign(document, coder)
        for label, start, end in versions:
            spans[(coder.username, label.key)] = span_create(
                annotator=coder, document=document, label=label, start=start, end=end
            )
        assignment_transition(assignment=assignment, action="submit")
    return {
        "project": project,
        "manager": manager,
        "reviewer": reviewer,
        "coders": coders,
        "outsider": outsider,
        "document": document,
        "spans": spans,
    }


def url(s, tail=""):
    return f"/api/v1/projects/{s['project'].pk}/{tail}"


def test_document_view_groups_spans_into_marked_clusters(setup, client_for):
    s = setup
    body = client_for(s["reviewer"]).get(url(s, f"adjudication/{s['document'].pk}/")).json()
    kinds = {(c["start"], c["end"]): c["kind"] for c in body["clusters"]}
    assert kinds == {(0, 40): "unanimous", (42, 84): "disputed"}
    assert [a["username"] for a in body["annotators"]] == ["a0", "a1", "a2"]
    assert len(body["spans"]) == 5
    assert body["gold_spans"] == []
    assert body["document"]["text"] == TEXT


def test_accept_all_unanimous_then_accept_one_version_of_a_disputed_cluster(setup, client_for):
    s = setup
    client = client_for(s["reviewer"])
    done = client.post(url(s, f"adjudication/{s['document'].pk}/accept-unanimous/")).json()
    assert len(done["created"]) == 1
    gold = GoldSpan.objects.get(pk=done["created"][0])
    assert (gold.start, gold.end, gold.label.key, gold.quote) == (0, 40, "claim", TEXT[0:40])
    assert gold.source_spans.count() == 3
    again = client.post(url(s, f"adjudication/{s['document'].pk}/accept-unanimous/")).json()
    assert again["created"] == []

    a1_denial = s["spans"][("a1", "denial")]
    accepted = client.post(
        url(s, f"adjudication/{s['document'].pk}/accept/"), {"spans": [a1_denial.pk]}, format="json"
    )
    assert accepted.status_code == 201, accepted.json()
    assert (accepted.json()["start"], accepted.json()["end"]) == (42, 60)
    assert accepted.json()["status_key"] == "unverified"


def test_accept_with_edited_boundaries_and_add_a_span_nobody_made(setup, client_for):
    s = setup
    client = client_for(s["reviewer"])
    a0_denial = s["spans"][("a0", "denial")]
    edited = client.post(
        url(s, f"adjudication/{s['document'].pk}/accept/"),
        {"spans": [a0_denial.pk, s["spans"][("a1", "denial")].pk], "start": 42, "end": 83},
        format="json",
    )
    assert edited.json()["quote"] == TEXT[42:83]
    new = client.post(
        url(s, "gold-spans/"),
        {"document": s["document"].pk, "label": "verifiable_fact", "start": 58, "end": 83},
        format="json",
    )
    assert new.status_code == 201
    assert new.json()["source_spans"] == []
    bad = client.post(
        url(s, "gold-spans/"),
        {"document": s["document"].pk, "label": "claim", "start": 80, "end": 200},
        format="json",
    )
    assert bad.status_code == 400 and "end" in bad.json()


def test_edit_gold_boundaries_needs_current_version_and_reject_deletes(setup, client_for):
    s = setup
    client = client_for(s["reviewer"])
    gold_id = client.post(url(s, f"adjudication/{s['document'].pk}/accept-unanimous/")).json()[
        "created"
    ][0]
    stale = client.patch(url(s, f"gold-spans/{gold_id}/"), {"end": 41, "version": 7}, format="json")
    assert stale.status_code == 409
    ok = client.patch(
        url(s, f"gold-spans/{gold_id}/"),
        {"end": 41, "label": "denial", "version": 1},
        format="json",
    )
    assert ok.status_code == 200
    assert (ok.json()["end"], ok.json()["label_key"], ok.json()["version"]) == (41, "denial", 2)
    assert client.delete(url(s, f"gold-spans/{gold_id}/")).status_code == 204
    assert not GoldSpan.objects.filter(pk=gold_id).exists()


def test_final_verdict_needs_evidence_and_rationale_and_is_kept_in_history(setup, client_for):
    s = setup
    client = client_for(s["reviewer"])
    gold_id = client.post(url(s, f"adjudication/{s['document'].pk}/accept-unanimous/")).json()[
        "created"
    ][0]
    verdict = url(s, f"gold-spans/{gold_id}/verdict/")

    no_evidence = client.post(
        verdict, {"status": "false", "rationale": "Officials counted casualties."}, format="json"
    )
    assert no_evidence.status_code == 400 and "evidence" in no_evidence.json()
    no_rationale = client.post(
        verdict,
        {
            "status": "false",
            "rationale": " ",
            "evidence": [{"url": "https://example.org/r", "stance": "refutes"}],
        },
        format="json",
    )
    assert no_rationale.status_code == 400 and "rationale" in no_rationale.json()
    bad_evidence = client.post(
        verdict,
        {"status": "false", "rationale": "x", "evidence": [{"stance": "refutes"}]},
        format="json",
    )
    assert bad_evidence.status_code == 400
    assert GoldSpan.objects.get(pk=gold_id).status.key == "unverified"

    other_doc = DocumentFactory(project=s["project"], text="Regional office report.")
    ok = client.post(
        verdict,
        {
            "status": "false",
            "rationale": "The regional office counted twelve casualties.",
            "evidence": [
                {"url": "https://example.org/report", "stance": "refutes", "note": "casualty list"},
                {"document_ref": other_doc.pk, "stance": "refutes"},
            ],
        },
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    body = ok.json()
    assert body["status_key"] == "false"
    assert [e["document_ref"] for e in body["evidence"]] == [None, other_doc.pk]
    moved = client_for(s["manager"]).post(
        verdict, {"status": "misleading", "rationale": "Partly true."}, format="json"
    )
    assert moved.status_code == 200  # stored evidence still counts
    history = moved.json()["verdict_history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "unverified"),
        ("unverified", "false"),
        ("false", "misleading"),
    ]
    assert [h["changed_by"] for h in history[1:]] == ["judge", "boss"]
    assert history[2]["rationale"] == "Partly true."
    assert VerdictChange.objects.filter(gold_span_id=gold_id).count() == 3


def test_evidence_document_from_another_project_is_refused(setup, client_for):
    s = setup
    client = client_for(s["reviewer"])
    gold_id = client.post(url(s, f"adjudication/{s['document'].pk}/accept-unanimous/")).json()[
        "created"
    ][0]
    foreign = DocumentFactory(project=make_project(UserFactory(username="x"), name="X"))
    response = client.post(
        url(s, f"gold-spans/{gold_id}/verdict/"),
        {
            "status": "true",
            "rationale": "r",
            "evidence": [{"document_ref": foreign.pk, "stance": "supports"}],
        },
        format="json",
    )
    assert response.status_code == 400 and "evidence" in response.json()


def test_annotators_and_outsiders_get_404_for_adjudication(setup, client_for):
    s = setup
    gold_id = (
        client_for(s["reviewer"])
        .post(url(s, f"adjudication/{s['document'].pk}/accept-unanimous/"))
        .json()["created"][0]
    )
    a0 = client_for(s["coders"][0])
    for client in (a0, client_for(s["outsider"])):
        assert client.get(url(s, "adjudication/")).status_code == 404
        assert client.get(url(s, f"adjudication/{s['document'].pk}/")).status_code == 404
        assert (
            client.post(url(s, f"adjudication/{s['document'].pk}/accept-unanimous/")).status_code
            == 404
        )
        assert client.get(url(s, "gold-spans/")).status_code == 404
        assert (
            client.post(
                url(s, f"gold-spans/{gold_id}/verdict/"), {"status": "true"}, format="json"
            ).status_code
            == 404
        )
        assert client.delete(url(s, f"gold-spans/{gold_id}/")).status_code == 404
    assert GoldSpan.objects.filter(pk=gold_id).exists()
    assert client_for().get(url(s, "adjudication/")).status_code == 401


def test_gold_comparison_after_adjudication_only(setup, client_for):
    s = setup
    reviewer = client_for(s["reviewer"])
    reviewer.post(url(s, f"adjudication/{s['document'].pk}/accept-unanimous/"))
    reviewer.post(
        url(s, f"adjudication/{s['document'].pk}/accept/"),
        {"spans": [s["spans"][("a0", "denial")].pk]},
        format="json",
    )
    a1 = client_for(s["coders"][1])
    before = a1.get(url(s, f"gold-comparison/{s['document'].pk}/"))
    assert before.status_code == 409
    assert (
        reviewer.post(
            url(s, f"adjudication/{s['document'].pk}/state/"),
            {"state": "adjudicated"},
            format="json",
        ).status_code
        == 200
    )
    rows = a1.get(url(s, f"gold-comparison/{s['document'].pk}/")).json()["rows"]
    assert sorted(r["match"] for r in rows) == ["boundaries", "exact"]
    a2_rows = (
        client_for(s["coders"][2])
        .get(url(s, f"gold-comparison/{s['document'].pk}/"))
        .json()["rows"]
    )
    assert sorted(r["match"] for r in a2_rows) == ["exact", "missed"]
    assert (
        client_for(s["outsider"]).get(url(s, f"gold-comparison/{s['document'].pk}/")).status_code
        == 404
    )


def test_queue_lists_submitted_documents_with_state(setup, client_for):
    s = setup
    DocumentFactory(project=s["project"])  # nobody submitted: not in the queue
    body = client_for(s["reviewer"]).get(url(s, "adjudication/")).json()
    assert [(r["document"], r["state"]) for r in body["results"]] == [(s["document"].pk, "open")]


def test_queue_takes_the_documents_tables_search_and_filters(setup, client_for):
    s = setup
    coder = s["coders"][0]
    harbour = DocumentFactory(project=s["project"], title="Harbour", text="The port denied it.")
    assignment_transition(assignment=assign(harbour, coder), action="submit")
    client = client_for(s["reviewer"])

    def queued(**params):
        response = client.get(url(s, "adjudication/"), params)
        assert response.status_code == 200, response.json()
        return [r["document"] for r in response.json()["results"]]

    assert sorted(queued()) == sorted([s["document"].pk, harbour.pk])
    assert queued(search="port") == [harbour.pk]
    # Only the first document has spans of the denial label.
    denial = s["project"].labels.get(key="denial")
    assert queued(label=denial.pk) == [s["document"].pk]
    assert queued(ordering="-id") == [harbour.pk, s["document"].pk]
    assert queued(adjudicated="true") == []
    bad = client.get(url(s, "adjudication/"), {"state": "done"})
    assert bad.status_code == 400 and "state" in bad.json()


def test_queue_rows_carry_each_documents_alphas_once_a_report_has_them(setup, client_for):
    s = setup
    lone = DocumentFactory(project=s["project"], text=TEXT)
    assignment = assign(lone, s["coders"][0])
    span_create(
        annotator=s["coders"][0],
        document=lone,
        label=s["project"].labels.get(key="claim"),
        start=0,
        end=10,
    )
    assignment_transition(assignment=assignment, action="submit")
    client = client_for(s["reviewer"])

    before = {r["document"]: r for r in client.get(url(s, "adjudication/")).json()["results"]}
    assert set(before) == {s["document"].pk, lone.pk}
    for row in before.values():  # no report yet: not computed, no reason to give
        assert (row["unitizing_alpha"], row["unitizing_alpha_reason"]) == (None, None)

    report = refresh_incremental(project_id=s["project"].pk)
    rows = {r["document"]: r for r in client.get(url(s, "adjudication/")).json()["results"]}
    # The only document with two annotators makes the project: its own value is the project's.
    project_value = report.metrics["unitizing_alpha"]["value"]
    assert project_value is not None
    assert rows[s["document"].pk]["unitizing_alpha"] == pytest.approx(project_value, abs=1e-12)
    assert rows[s["document"].pk]["unitizing_alpha_reason"] is None
    assert rows[lone.pk]["unitizing_alpha"] is None
    assert rows[lone.pk]["unitizing_alpha_reason"] == FEWER_THAN_TWO_CODERS
    assert rows[lone.pk]["alpha_reason"] == FEWER_THAN_TWO_CODERS


def test_comments_rules(setup, client_for):
    s = setup
    a0, a1 = (client_for(c) for c in s["coders"][:2])
    own = s["spans"][("a0", "claim")]
    others = s["spans"][("a1", "claim")]
    doc = s["document"].pk
    # blind project: annotators wait for adjudication
    assert (
        a0.post(
            url(s, "comments/"), {"document": doc, "span": own.pk, "body": "Why?"}, format="json"
        ).status_code
        == 409
    )
    client_for(s["reviewer"]).post(
        url(s, f"adjudication/{doc}/state/"), {"state": "adjudicated"}, format="json"
    )
    created = a0.post(
        url(s, "comments/"),
        {"document": doc, "span": own.pk, "body": "I read it as a claim."},
        format="json",
    )
    assert created.status_code == 201
    assert (
        a0.post(
            url(s, "comments/"), {"document": doc, "span": others.pk, "body": "x"}, format="json"
        ).status_code
        == 403
    )
    assert (
        a0.post(url(s, "comments/"), {"document": doc, "body": "x"}, format="json").status_code
        == 403
    )
    reply = client_for(s["reviewer"]).post(
        url(s, "comments/"), {"document": doc, "span": own.pk, "body": "Agreed."}, format="json"
    )
    assert reply.status_code == 201
    thread = a0.get(url(s, f"comments/?span={own.pk}")).json()["results"]
    assert [(c["author"], c["body"]) for c in thread] == [
        ("a0", "I read it as a claim."),
        ("judge", "Agreed."),
    ]
    assert a1.get(url(s, f"comments/?span={own.pk}")).json()["results"] == []
    assert client_for(s["outsider"]).get(url(s, "comments/")).status_code == 404
    assert (
        a0.post(
            url(s, "comments/"), {"document": doc, "span": own.pk, "body": ""}, format="json"
        ).status_code
        == 400
    )
    assert Comment.objects.count() == 2


def test_agreement_with_gold_per_annotator_and_staleness(setup, client_for):

    s = setup
    reviewer = client_for(s["reviewer"])
    doc = s["document"].pk
    reviewer.post(url(s, f"adjudication/{doc}/accept-unanimous/"))  # claim [0, 40)
    reviewer.post(
        url(s, f"adjudication/{doc}/accept/"),
        {"spans": [s["spans"][("a0", "denial")].pk]},
        format="json",
    )
    first = refresh_incremental(project_id=s["project"].pk)
    assert first.metrics["gold"] == []  # nothing adjudicated yet

    reviewer.post(url(s, f"adjudication/{doc}/state/"), {"state": "adjudicated"}, format="json")
    assert is_stale(s["project"].pk, first)
    report = refresh_incremental(project_id=s["project"].pk)
    assert report.timings["documents_recomputed"] == 0
    by_name = {row["annotator"]: row for row in report.metrics["gold"]}
    a0, a1, a2 = (c.pk for c in s["coders"])
    # gold: claim [0,40), denial [42,84). a0 matches both; a1's denial [42,60) has IoU 18/42 < 0.5;
    # a2 marked only the claim. F1 = 2PR/(P+R).
    assert by_name[a0]["span_f1_exact"]["f1"]["value"] == pytest.approx(1.0)
    assert by_name[a1]["span_f1_exact"]["f1"]["value"] == pytest.approx(0.5)
    assert by_name[a1]["span_f1_overlap"]["f1"]["value"] == pytest.approx(0.5)
    assert by_name[a2]["span_f1_exact"]["f1"]["value"] == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert by_name[a0]["character_alpha"]["value"] == pytest.approx(1.0)
    assert by_name[a2]["character_alpha"]["value"] < by_name[a1]["character_alpha"]["value"] < 1.0
    assert not is_stale(s["project"].pk, report)


def test_accepting_the_same_gold_span_twice_is_a_conflict(setup, client_for):
    s = setup
    url_accept = url(s, f"adjudication/{s['document'].pk}/accept/")
    span_id = s["spans"][("a0", "denial")].pk
    client = client_for(s["reviewer"])
    assert client.post(url_accept, {"spans": [span_id]}, format="json").status_code == 201
    again = client.post(url_accept, {"spans": [span_id]}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_gold_span"
    assert GoldSpan.objects.filter(document=s["document"]).count() == 1
