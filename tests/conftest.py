from __future__ import annotations

import os
from pathlib import Path

import pytest
from kombu import Connection
from rest_framework.test import APIClient

from annotations.models import Role
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project
from workbench.celery import app as celery_app

# Each pytest process (xdist worker) gets its own Celery queue on the shared Redis, so a test
# worker never takes another process's tasks.
celery_app.conf.task_default_queue = (
    f"workbench-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
)

# The project's own articles (tests/fixtures/README.md). No test reads outside the repository:
# the seed articles of WORKBENCH_CORPUS are read by tests/test_seed_corpus.py alone.
ARTICLES_DIR = Path(__file__).resolve().parent / "fixtures" / "articles"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The fixture articles: five short news articles written for these tests."""
    if not ARTICLES_DIR.is_dir() or len(list(ARTICLES_DIR.glob("*.txt"))) != 5:
        pytest.fail(f"Expected the five fixture articles in {ARTICLES_DIR}.")
    return ARTICLES_DIR


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Uploads and exports of each test go to its own temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2 costs ~0.3 s per user; tests create many users and test no hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def agreement_refresh_after_commit(settings):
    """Eager agreement refreshes run at once after the commit that scheduled them, not on the web
    process's refresh thread: a test reads the refreshed report, and no thread outlives it.
    tests/test_eager_refresh.py turns the thread on."""
    settings.AGREEMENT_EAGER_REFRESH_IN_BACKGROUND = False


@pytest.fixture
def corpus_texts(corpus_dir: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.txt"))}


@pytest.fixture
def manager(db):
    return UserFactory(username="manager")


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer")


@pytest.fixture
def annotator(db):
    return UserFactory(username="annotator")


@pytest.fixture
def annotator2(db):
    return UserFactory(username="annotator2")


@pytest.fixture
def outsider(db):
    """An annotator of another project."""
    user = UserFactory(username="outsider")
    other = make_project(UserFactory(username="other-manager"), name="Other project")
    add_member(other, user, Role.ANNOTATOR)
    return user


@pytest.fixture
def project(manager, reviewer, annotator, annotator2):
    project = make_project(manager, name="Denials", annotators_per_document=2)
    add_member(project, reviewer, Role.REVIEWER)
    add_member(project, annotator, Role.ANNOTATOR)
    add_member(project, annotator2, Role.ANNOTATOR)
    return project


@pytest.fixture
def document(project, annotator, annotator2):
    doc = DocumentFactory(project=project)
    assign(doc, annotator)
    assign(doc, annotator2)
    return doc


@pytest.fixture
def client_for():
    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def db_snapshot(db):
    """A callable returning every row of the domain tables (and users), to assert that a refused
    request changed nothing: ``before = db_snapshot(); ...; assert db_snapshot() == before``."""
    from django.contrib.auth import get_user_model

    from annotations import models

    tables = [
        get_user_model(),
        models.Project,
        models.Membership,
        models.Label,
        models.VerificationStatus,
        models.Document,
        models.Assignment,
        models.Span,
        models.Evidence,
        models.Job,
    ]

    from django.db import connection

    def snapshot() -> dict[str, list]:
        if connection.vendor != "postgresql":
            return {m.__name__: list(m.objects.order_by("pk").values_list()) for m in tables}
        # One query instead of one per table: the permission matrix takes hundreds of snapshots.
        parts = ", ".join(
            f"'{m.__name__}', (SELECT coalesce(json_agg(t ORDER BY t.{m._meta.pk.column}), '[]') "
            f"FROM {connection.ops.quote_name(m._meta.db_table)} t)"
            for m in tables
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT json_build_object({parts})")
            (rows,) = cursor.fetchone()
        return rows

    return snapshot


@pytest.fixture
def broker_mode(settings):
    """Send tasks to the real Redis broker instead of running them in-process."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail(
            "These tests need REDIS_URL (a real Redis broker); the README's test command sets it."
        )
    broker_url = settings.CELERY_BROKER_URL
    # Celery reads Django settings lazily, once: read its value before changing the settings.
    was_eager = celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = was_eager
    with Connection(broker_url) as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)
