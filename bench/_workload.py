"""The benches' workload, written straight into PostgreSQL with COPY: a project whose documents
(synthetic news text, ``_common.NewsGenerator``) were each submitted by three annotators with about
20 spans apiece, every quote equal to ``text[start:end]``. Needs Django set up (``setup_django``).
"""

from __future__ import annotations

import os
import random

from _common import NewsGenerator

ANNOTATORS = 3
SPANS_PER_ANNOTATOR = 20


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    import django

    django.setup()


def generate(count: int, seed: int, *, chars: int = 2500) -> int:
    """Documents with three annotators who all submitted ~20 spans each; returns the project id."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from annotations.models import Label, Membership, Role, VerificationStatus
    from annotations.services.projects import project_create

    user_model = get_user_model()
    manager = user_model.objects.create(username=f"bench-manager-{seed}")
    project = project_create(creator=manager, name=f"agreement bench {count}")
    coders = [
        user_model.objects.create(username=f"bench-coder-{seed}-{i}") for i in range(ANNOTATORS)
    ]
    Membership.objects.bulk_create(
        Membership(project=project, user=u, role=Role.ANNOTATOR) for u in coders
    )
    labels = list(Label.objects.filter(project=project).values_list("id", flat=True))
    status = VerificationStatus.objects.get(project=project, is_initial=True).pk
    rng = random.Random(seed)
    news = NewsGenerator(seed)
    texts = [news.article(chars)[1] for _ in range(min(count, 200))]  # reuse texts for large runs
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(
            "COPY annotations_document (project_id, title, text, source_url, metadata, created_at) FROM STDIN"
        ) as copy:
            for i in range(count):
                copy.write_row(
                    (project.pk, f"doc {i}", texts[i % len(texts)], "", "{}", "2026-01-01")
                )
        cursor.execute(
            "SELECT id, length(text) FROM annotations_document WHERE project_id = %s ORDER BY id",
            [project.pk],
        )
        documents = cursor.fetchall()
        with raw.cursor().copy(
            "COPY annotations_assignment (project_id, document_id, annotator_id, state, time_spent_seconds,"
            " skip_reason, created_at) FROM STDIN"
        ) as copy:
            for document_id, _ in documents:
                for coder in coders:
                    copy.write_row(
                        (project.pk, document_id, coder.pk, "submitted", 60, "", "2026-01-01")
                    )
        with raw.cursor().copy(
            'COPY annotations_span (project_id, document_id, annotator_id, label_id, start, "end", quote,'
            " status_id, note, version, created_at, updated_at) FROM STDIN"
        ) as copy:
            for index, (document_id, length) in enumerate(documents):
                text = texts[index % len(texts)]
                anchors = sorted(rng.sample(range(0, length - 80), SPANS_PER_ANNOTATOR))
                for coder in coders:
                    seen = set()
                    for anchor in anchors:
                        if rng.random() < 0.15:
                            continue  # this annotator missed it
                        start = max(0, anchor + rng.randint(-6, 6))
                        end = min(length, start + rng.randint(15, 70))
                        label = labels[anchor % 3] if rng.random() < 0.85 else rng.choice(labels)
                        if (label, start, end) in seen:
                            continue
                        seen.add((label, start, end))
                        copy.write_row(
                            (
                                project.pk,
                                document_id,
                                coder.pk,
                                label,
                                start,
                                end,
                                text[start:end],
                                status,
                                "",
                                1,
                                "2026-01-01",
                                "2026-01-01",
                            )
                        )
    return project.pk
