"""The seed_demo command: demo users, project, sample articles and assignments, idempotently."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from rest_framework.test import APIClient

from annotations.models import Assignment, Document, Label, Membership, Project, VerificationStatus

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTICLES = REPO_ROOT / "annotations" / "demo" / "articles.jsonl"
EXPECTED_ROLES = {
    "manager": "manager",
    "reviewer": "reviewer",
    "annotator1": "annotator",
    "annotator2": "annotator",
    "annotator3": "annotator",
}

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def demo_project() -> Project:
    return Project.objects.get(memberships__user__username="manager", name__startswith="Demo")


def snapshot() -> dict[str, object]:
    return {
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
        "projects": Project.objects.count(),
        "memberships": sorted(Membership.objects.values_list("user__username", "role")),
        "documents": sorted(Document.objects.values_list("title", flat=True)),
        "assignments": sorted(
            Assignment.objects.values_list("document__title", "annotator__username")
        ),
        "labels": Label.objects.count(),
        "statuses": VerificationStatus.objects.count(),
    }


def sample_articles() -> list[dict]:
    return [json.loads(line) for line in ARTICLES.read_text(encoding="utf-8").splitlines() if line]


def test_running_twice_duplicates_nothing() -> None:
    seed()
    first = snapshot()
    seed()

    assert snapshot() == first
    assert first["projects"] == 1
    assert len(first["documents"]) == len(sample_articles())


def test_every_demo_user_has_the_right_role() -> None:
    seed()
    project = demo_project()

    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles == EXPECTED_ROLES
    assert project.created_by.username == "manager"


def test_project_has_default_labels_and_statuses_and_imported_articles() -> None:
    seed()
    project = demo_project()

    assert set(project.labels.values_list("key", flat=True)) == {
        "claim",
        "denial",
        "verifiable_fact",
    }
    assert project.statuses.filter(is_initial=True).count() == 1
    stored = list(project.documents.order_by("id").values_list("title", "text"))
    assert stored == [(a["title"], a["text"]) for a in sample_articles()]


def test_every_annotator_gets_documents_and_every_document_its_overlap() -> None:
    seed()
    project = demo_project()

    per_annotator = dict(
        Assignment.objects.filter(project=project)
        .values_list("annotator__username")
        .annotate(n=Count("id"))
    )
    assert set(per_annotator) == {"annotator1", "annotator2", "annotator3"}
    assert min(per_annotator.values()) >= 1
    # Distribution is balanced: least- and most-loaded annotators differ by at most one document.
    assert max(per_annotator.values()) - min(per_annotator.values()) <= 1
    per_document = (
        Assignment.objects.filter(project=project).values("document").annotate(n=Count("id"))
    )
    assert len(per_document) == project.documents.count()
    assert {row["n"] for row in per_document} == {project.annotators_per_document}
    assert not Assignment.objects.filter(
        project=project, annotator__username__in=["manager", "reviewer"]
    ).exists()


def test_credentials_are_printed_and_work() -> None:
    output = seed()

    for username in EXPECTED_ROLES:
        assert username in output
    assert "demo-password-1" in output
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "annotator2", "password": "demo-password-1"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["token"]


def test_rerun_prints_credentials_again_and_resets_a_changed_password() -> None:
    seed()
    user = get_user_model().objects.get(username="reviewer")
    user.set_password("something-else-entirely")
    user.save()

    output = seed()

    assert "reviewer" in output and "demo-password-1" in output
    user.refresh_from_db()
    assert user.check_password("demo-password-1")


def test_password_option() -> None:
    output = seed("--password", "another-demo-pass-9")

    assert "another-demo-pass-9" in output
    assert get_user_model().objects.get(username="manager").check_password("another-demo-pass-9")


def test_a_weak_password_is_refused_with_the_reason() -> None:
    with pytest.raises(CommandError, match="password"):
        seed("--password", "short")
    assert not Project.objects.exists()


def test_restores_a_missing_membership_without_duplicating_others() -> None:
    seed()
    project = demo_project()
    Membership.objects.filter(project=project, user__username="annotator3").delete()

    seed()

    assert dict(project.memberships.values_list("user__username", "role")) == EXPECTED_ROLES


def test_guidelines_explain_every_label_and_status() -> None:
    seed()
    project = demo_project()

    for key in project.labels.values_list("key", flat=True):
        assert f"`{key}`" in project.guidelines
    for key in project.statuses.values_list("key", flat=True):
        assert f"`{key}`" in project.guidelines


def test_sample_articles_exercise_offsets_beyond_ascii() -> None:
    texts = [a["text"] for a in sample_articles()]

    assert 6 <= len(texts) <= 8
    # An emoji outside the Basic Multilingual Plane: one code point, two UTF-16 units.
    assert any(any(ord(ch) > 0xFFFF for ch in text) for text in texts)
    assert any("\u00a0" in text for text in texts)
    assert any(any(0x80 <= ord(ch) <= 0x24F for ch in text) for text in texts)  # accented letters
