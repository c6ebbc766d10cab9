"""The assignment page (annotations/views/console/assignment.py) and the services and API behind
it: moving an annotator's open work to others, unassigning open work only, the coverage and the
load table, documents named by id or title."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from annotations.errors import Conflict, InvalidInput
from annotations.models import Assignment, AssignmentState, Role
from annotations.selectors.assignments import assignment_coverage, documents_by_reference
from annotations.services.assignments import assignment_unassign_open, assignments_move_open
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project


@pytest.fixture
def annotator3(project):
    user = UserFactory(username="annotator3")
    add_member(project, user, Role.ANNOTATOR)
    return user


@pytest.fixture
def browser(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def page(project) -> str:
    return f"/projects/{project.pk}/assign/"


def _docs(project, n: int, prefix: str = "Doc") -> list:
    return [DocumentFactory(project=project, title=f"{prefix} {i}") for i in range(n)]


def _open_of(user) -> set[int]:
    return set(
        Assignment.objects.filter(
            annotator=user, state__in=[AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS]
        ).values_list("document_id", flat=True)
    )


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# --- moving open work ----------------------------------------------------------------------------


def test_move_gives_open_work_to_the_least_loaded_first(project, annotator, annotator2, annotator3):
    project.annotators_per_document = 1
    project.save()
    mine = _docs(project, 4)
    for doc in mine:
        assign(doc, annotator)
    Assignment.objects.filter(document=mine[3]).update(state=AssignmentState.SUBMITTED)
    for doc in _docs(project, 2, "Busy"):
        assign(doc, annotator2)  # annotator2 starts with 2, annotator3 with 0

    result = assignments_move_open(project=project, from_user_id=annotator.pk)

    assert result.moved == 3 and result.kept == 0
    # annotator3 takes two first (0 → 1 → 2), then ties go to the lower id.
    assert result.received == {annotator3.pk: 2, annotator2.pk: 1}
    assert _open_of(annotator) == set()
    assert Assignment.objects.get(annotator=annotator).state == AssignmentState.SUBMITTED
    loads = Counter(
        Assignment.objects.exclude(annotator=annotator).values_list("annotator", flat=True)
    )
    assert loads == {annotator2.pk: 3, annotator3.pk: 2}


def test_move_never_gives_a_document_to_someone_who_has_it(
    project, annotator, annotator2, annotator3
):
    doc = DocumentFactory(project=project)
    assign(doc, annotator, state=AssignmentState.IN_PROGRESS)
    assign(doc, annotator2, state=AssignmentState.SKIPPED)  # a skip counts: not given back
    result = assignments_move_open(project=project, from_user_id=annotator.pk)
    assert result.received == {annotator3.pk: 1}
    new = Assignment.objects.get(document=doc, annotator=annotator3)
    assert new.state == AssignmentState.ASSIGNED  # a fresh assignment, not the old one's progress


def test_move_keeps_what_no_one_can_take(project, annotator, annotator2):
    shared, first, second = _docs(project, 3)
    for doc in (shared, first, second):
        assign(doc, annotator)
    assign(shared, annotator2)  # the only other annotator has it already
    result = assignments_move_open(project=project, from_user_id=annotator.pk)
    assert (result.moved, result.kept) == (2, 1)
    assert _open_of(annotator) == {shared.pk}
    assert _open_of(annotator2) == {shared.pk, first.pk, second.pk}


def test_move_honours_annotators_per_document(project, annotator, annotator2, annotator3):
    project.annotators_per_document = 2
    project.save()
    doc = DocumentFactory(project=project)
    for user in (annotator, annotator2):
        assign(doc, user)
    extra = UserFactory(username="extra")
    add_member(project, extra, Role.ANNOTATOR)
    assign(doc, extra)  # three hold it: without the mover it still has two
    result = assignments_move_open(project=project, from_user_id=annotator.pk)
    assert (result.moved, result.kept) == (0, 1)
    assert not Assignment.objects.filter(annotator=annotator3).exists()


def test_move_to_chosen_annotators(project, annotator, annotator2, annotator3):
    for doc in _docs(project, 3):
        assign(doc, annotator)
    result = assignments_move_open(
        project=project, from_user_id=annotator.pk, to_user_ids=[annotator2.pk]
    )
    assert result.received == {annotator2.pk: 3}
    assert not Assignment.objects.filter(annotator=annotator3).exists()


@pytest.mark.parametrize(
    ("to", "field"),
    [("self", "to_annotators"), ("reviewer", "to_annotators"), ("none", "to_annotators")],
)
def test_move_refuses_bad_targets(project, annotator, reviewer, db_snapshot, to, field):
    assign(DocumentFactory(project=project), annotator)
    targets = {"self": [annotator.pk], "reviewer": [reviewer.pk], "none": []}[to]
    before = db_snapshot()
    with pytest.raises(InvalidInput) as raised:
        assignments_move_open(project=project, from_user_id=annotator.pk, to_user_ids=targets)
    assert set(raised.value.detail) == {field}
    assert db_snapshot() == before


def test_move_from_a_stranger_is_refused(project, outsider):
    with pytest.raises(InvalidInput) as raised:
        assignments_move_open(project=project, from_user_id=outsider.pk)
    assert set(raised.value.detail) == {"from_annotator"}


def test_move_in_an_archived_project_is_refused(project, annotator, annotator2):
    assign(DocumentFactory(project=project), annotator)
    project.archived_at = timezone.now()
    project.save()
    with pytest.raises(Conflict):
        assignments_move_open(project=project, from_user_id=annotator.pk)
    assert _open_of(annotator2) == set()


def test_api_move(client_for, project, manager, annotator, annotator2):
    docs = _docs(project, 2)
    for doc in docs:
        assign(doc, annotator)
    url = f"/api/v1/projects/{project.pk}/assignments/move/"
    response = client_for(manager).post(url, {"from_annotator": annotator.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"moved": 2, "received": {str(annotator2.pk): 2}, "kept": 0}
    bad = client_for(manager).post(
        url, {"from_annotator": annotator2.pk, "to_annotators": [annotator2.pk]}, format="json"
    )
    assert bad.status_code == 400
    assert "to_annotators" in bad.json()


@pytest.mark.parametrize(
    ("who", "code"), [("reviewer", 403), ("annotator", 403), ("outsider", 404)]
)
def test_api_move_is_for_managers(request, client_for, project, annotator, db_snapshot, who, code):
    assign(DocumentFactory(project=project), annotator)
    client = client_for(request.getfixturevalue(who))
    before = db_snapshot()
    response = client.post(
        f"/api/v1/projects/{project.pk}/assignments/move/",
        {"from_annotator": annotator.pk},
        format="json",
    )
    assert response.status_code == code
    assert db_snapshot() == before


# --- unassigning ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        ("assigned", None),
        ("in_progress", None),
        ("submitted", "already_submitted"),
        ("skipped", "already_skipped"),
    ],
)
def test_only_open_work_is_unassigned(project, annotator, state, outcome):
    doc = DocumentFactory(project=project)
    assign(doc, annotator, state=state)
    if outcome is None:
        assignment_unassign_open(project=project, document_id=doc.pk, annotator_id=annotator.pk)
        assert not Assignment.objects.filter(document=doc).exists()
    else:
        with pytest.raises(Conflict) as raised:
            assignment_unassign_open(project=project, document_id=doc.pk, annotator_id=annotator.pk)
        assert raised.value.code == outcome
        assert Assignment.objects.filter(document=doc).exists()


def test_unassigning_what_is_not_assigned_names_the_document(project, annotator):
    doc = DocumentFactory(project=project)
    with pytest.raises(InvalidInput) as raised:
        assignment_unassign_open(project=project, document_id=doc.pk, annotator_id=annotator.pk)
    assert set(raised.value.detail) == {"document"}


# --- reads ---------------------------------------------------------------------------------------


def test_coverage_counts_documents_by_active_annotators(project, annotator, annotator2):
    # annotators_per_document is 2 in the fixture.
    none, short, covered, only_skipped = _docs(project, 4)
    assign(short, annotator)
    assign(covered, annotator)
    assign(covered, annotator2, state=AssignmentState.SUBMITTED)
    assign(only_skipped, annotator, state=AssignmentState.SKIPPED)
    coverage = assignment_coverage(project=project)
    assert (coverage.documents, coverage.unassigned, coverage.short, coverage.covered) == (
        4,
        2,
        1,
        1,
    )
    assert coverage.lacking == 3


def test_documents_by_id_or_title(project):
    first, second, other = (
        DocumentFactory(project=project, title="Ministry denies strike"),
        DocumentFactory(project=project, title="Ministry confirms casualties"),
        DocumentFactory(
            project=make_project(UserFactory(username="x"), name="X"), title="Ministry"
        ),
    )
    assert documents_by_reference(project=project, reference=str(first.pk)) == [first]
    assert documents_by_reference(project=project, reference=f"#{second.pk}") == [second]
    assert documents_by_reference(project=project, reference=str(other.pk)) == []
    assert documents_by_reference(project=project, reference="ministry DENIES strike") == [first]
    assert documents_by_reference(project=project, reference="ministry") == [first, second]
    assert documents_by_reference(project=project, reference="9" * 40) == []


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "code"), [("manager", 200), ("reviewer", 404), ("annotator", 404), ("outsider", 404)]
)
def test_only_managers_open_the_assignment_page(request, project, page, db_snapshot, who, code):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    before = db_snapshot()
    assert client.get(page).status_code == code
    for action in ("distribute/", "hand/", "move/"):
        response = client.post(page + action, {})
        assert response.status_code == (400 if code == 200 else 404)
    assert db_snapshot() == before


def test_the_page_shows_loads_and_coverage(browser, page, project, annotator, annotator2):
    docs = _docs(project, 3)
    assign(docs[0], annotator)
    assign(docs[1], annotator, state=AssignmentState.SUBMITTED)
    assign(docs[2], annotator2, state=AssignmentState.SKIPPED)
    response = browser.get(page)
    body = response.content.decode()
    row = re.search(r'<tr data-username="annotator">.*?</tr>', body, re.S).group(0)
    assert re.findall(r'data-col="\w+">(\d+)<', row) == ["1", "1", "0"]
    text = _text(response)
    assert (
        "3 documents, 2 annotators each: 0 covered, 2 with fewer annotators, 1 unassigned." in text
    )
    assert "Distribute 3 documents" in text
    assert 'data-username="reviewer"' not in body  # no assignments, not an annotator


def test_distribute_from_the_page(browser, page, project, annotator, annotator2):
    _docs(project, 3)
    response = browser.post(
        page + "distribute/", {"dist-annotators": [str(annotator.pk), str(annotator2.pk)]}
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(project=project).count() == 6
    assert "Created 6 assignment(s). Every document has 2 annotator(s)." in _text(browser.get(page))


def test_distribute_says_what_was_short(browser, page, project, annotator):
    _docs(project, 2)
    browser.post(page + "distribute/", {"dist-annotators": [str(annotator.pk)]})
    text = _text(browser.get(page))
    assert "Created 2 assignment(s). 2 document(s) still have fewer than 2 annotator(s)" in text


def test_distribute_needs_an_annotator(browser, page, project):
    _docs(project, 2)
    response = browser.post(page + "distribute/", {})
    assert response.status_code == 400
    assert "Choose at least one annotator." in response.content.decode()
    assert not Assignment.objects.exists()


def test_assign_by_title_and_unassign_by_id(browser, page, project, annotator):
    doc = DocumentFactory(project=project, title="Ministry denies strike")
    response = browser.post(
        page + "hand/",
        {"hand-document": "ministry denies", "hand-annotator": annotator.pk, "hand-op": "assign"},
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(document=doc, annotator=annotator).exists()
    assert "Assigned “Ministry denies strike” to annotator." in _text(browser.get(page))
    response = browser.post(
        page + "hand/",
        {"hand-document": f"#{doc.pk}", "hand-annotator": annotator.pk, "hand-op": "unassign"},
    )
    assert response.status_code == 302
    assert not Assignment.objects.filter(document=doc).exists()


@pytest.mark.parametrize(
    ("reference", "op", "message"),
    [
        ("nothing like it", "assign", "No document of this project has the id or title"),
        ("ministry", "assign", "Several documents match"),
        ("Ministry denies strike", "assign", "annotator already has this document"),
        ("Ministry confirms casualties", "unassign", "already submitted this document"),
        ("Unrelated", "unassign", "has no assignment for this document"),
    ],
    ids=["unknown", "ambiguous", "already-assigned", "submitted", "not-assigned"],
)
def test_hand_assignment_errors_are_next_to_the_document(
    browser, page, project, annotator, db_snapshot, reference, op, message
):
    denies = DocumentFactory(project=project, title="Ministry denies strike")
    confirms = DocumentFactory(project=project, title="Ministry confirms casualties")
    DocumentFactory(project=project, title="Unrelated")
    assign(denies, annotator)
    assign(confirms, annotator, state=AssignmentState.SUBMITTED)
    before = db_snapshot()
    response = browser.post(
        page + "hand/",
        {"hand-document": reference, "hand-annotator": annotator.pk, "hand-op": op},
    )
    assert response.status_code == 400
    error = re.search(r'id="id_hand-document_error">(.*?)</ul>', response.content.decode(), re.S)
    assert error and message in error.group(1).replace("&#x27;", "'")
    assert db_snapshot() == before


def test_hand_assignment_to_a_stranger_is_refused(browser, page, project, outsider):
    doc = DocumentFactory(project=project)
    response = browser.post(
        page + "hand/", {"hand-document": str(doc.pk), "hand-annotator": outsider.pk}
    )
    assert response.status_code == 400
    assert 'id="id_hand-annotator_error"' in response.content.decode()
    assert not Assignment.objects.exists()


def test_move_from_the_page(browser, page, project, annotator, annotator2, annotator3):
    for doc in _docs(project, 2):
        assign(doc, annotator)
    response = browser.post(
        page + "move/", {"move-from_annotator": annotator.pk, "move-to_annotators": [annotator3.pk]}
    )
    assert response.status_code == 302
    assert len(_open_of(annotator3)) == 2
    assert "Moved 2 open document(s) of annotator: 2 to annotator3." in _text(browser.get(page))


def test_move_errors_are_shown_on_the_form(browser, page, project, annotator):
    assign(DocumentFactory(project=project), annotator)
    response = browser.post(
        page + "move/", {"move-from_annotator": annotator.pk, "move-to_annotators": [annotator.pk]}
    )
    assert response.status_code == 400
    error = re.search(
        r'id="id_move-to_annotators_error">(.*?)</ul>', response.content.decode(), re.S
    )
    assert error and "cannot move to the annotator it is taken from" in error.group(1)
