"""Rows and database constraints of the annotation domain.

Business rules live in ``services.py`` (writes) and ``selectors.py`` (reads); models hold only
fields, constraints and cheap properties. Invariants that matter for data integrity are enforced by
the database too: see the constraints below and the triggers in migration 0002 (a span's label and
status belong to the span's project; a document's text is immutable once a span points into it).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower


class Role(models.TextChoices):
    MANAGER = "manager", "Manager"
    REVIEWER = "reviewer", "Reviewer"
    ANNOTATOR = "annotator", "Annotator"


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    guidelines = models.TextField(
        blank=True, default="", help_text="Annotation guidelines (Markdown)."
    )
    annotators_per_document = models.PositiveSmallIntegerField(default=3)
    blind = models.BooleanField(
        default=True, help_text="Annotators never see each other's spans while this is on."
    )
    archived_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when a manager archives the project: kept, read only, listed apart.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annotators_per_document__gte=1), name="project_overlap_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"], name="membership_unique_user_per_project"
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.project_id}:{self.role}"


class Label(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="labels")
    key = models.SlugField(max_length=64, help_text="Stable machine name, e.g. 'claim'.")
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, default="#888888")
    shortcut = models.CharField(max_length=1, blank=True, default="")
    description = models.CharField(
        max_length=200, blank=True, default="", help_text="One line, shown on hover."
    )
    order = models.PositiveSmallIntegerField(default=0)
    retired = models.BooleanField(
        default=False, help_text="Retired labels keep their spans but cannot be used for new ones."
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="label_unique_key_per_project"),
            models.UniqueConstraint(Lower("name"), "project", name="label_unique_name_per_project"),
            models.UniqueConstraint(
                fields=["project", "shortcut"],
                condition=~Q(shortcut="") & Q(retired=False),
                name="label_unique_active_shortcut_per_project",
            ),
            # Target of the composite foreign key (label_id, project_id) from span.
            models.UniqueConstraint(fields=["id", "project"], name="label_unique_id_project"),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="label_color_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class VerificationStatus(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="statuses")
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, default="#888888")
    order = models.PositiveSmallIntegerField(default=0)
    is_initial = models.BooleanField(default=False, help_text="Given to new spans.")
    is_final = models.BooleanField(
        default=False, help_text="A verdict (true, false, ...), as opposed to a working state."
    )
    description = models.CharField(
        max_length=200, blank=True, default="", help_text="One line, shown on hover."
    )
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name_plural = "verification statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "key"], name="status_unique_key_per_project"
            ),
            models.UniqueConstraint(
                Lower("name"), "project", name="status_unique_name_per_project"
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(is_initial=True),
                name="status_one_initial_per_project",
            ),
            models.UniqueConstraint(fields=["id", "project"], name="status_unique_id_project"),
            models.CheckConstraint(
                condition=~(Q(is_initial=True) & Q(retired=True)), name="status_initial_not_retired"
            ),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="status_color_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Document(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=500, blank=True, default="")
    # Stored exactly as imported: no normalisation, so offsets computed elsewhere stay valid.
    text = models.TextField()
    source_url = models.URLField(max_length=2000, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # The import job that created the document (its batch); empty for documents added otherwise.
    import_job = models.ForeignKey(
        "Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Title and text for the documents table's full-text search (PostgreSQL), filled in the
    # background after a document is added or its text changes, so that imports do not pay for
    # it; NULL until then (a search also scans those documents plainly). Unused on SQLite.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # PostgreSQL only (migration 0013 skips it elsewhere).
            GinIndex(fields=["search_vector"], name="document_search"),
            models.Index(
                fields=["project"],
                condition=Q(search_vector__isnull=True),
                name="document_search_pending",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id", "project"], name="document_unique_id_project"),
            models.CheckConstraint(condition=~Q(text=""), name="document_text_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title or f"Document {self.pk}"


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    SKIPPED = "skipped", "Skipped"


# Work not finished yet: what distribute, move and unassign act on, and what "open" means.
OPEN_ASSIGNMENT_STATES: tuple[str, ...] = (AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS)


class Assignment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    state = models.CharField(
        max_length=16, choices=AssignmentState.choices, default=AssignmentState.ASSIGNED
    )
    time_spent_seconds = models.PositiveIntegerField(default=0)
    skip_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "annotator"], name="assignment_unique_per_annotator"
            ),
            models.CheckConstraint(
                condition=Q(state__in=AssignmentState.values), name="assignment_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["project", "annotator", "state"])]

    def __str__(self) -> str:
        return f"{self.document_id}→{self.annotator_id}:{self.state}"


class Span(models.Model):
    # project is denormalised from document so that the database can check, with composite foreign
    # keys, that document, label and status all belong to the same project (migration 0002). Those
    # composite keys also prove that the rows exist, so single-column constraints on project,
    # document, label and status would only repeat the check on every insert (db_constraint=False),
    # and the composite indexes below serve project and document lookups (db_index=False).
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    document = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="spans",
        db_constraint=False,
        db_index=False,
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spans"
    )
    label = models.ForeignKey(
        Label, on_delete=models.PROTECT, related_name="spans", db_constraint=False
    )
    start = models.PositiveIntegerField(help_text="Offset in Unicode code points, inclusive.")
    end = models.PositiveIntegerField(help_text="Offset in Unicode code points, exclusive.")
    quote = models.TextField(help_text="document.text[start:end]")
    status = models.ForeignKey(
        VerificationStatus, on_delete=models.PROTECT, related_name="spans", db_constraint=False
    )
    note = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["document_id", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")), name="span_offsets_ordered"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="span_version_positive"),
            models.UniqueConstraint(
                fields=["document", "annotator", "label", "start", "end"],
                name="span_unique_per_annotator",
            ),
        ]
        indexes = [
            # Covers the dashboard's count of spans per annotator and label (index-only scan).
            models.Index(
                fields=["project", "annotator", "label"], name="span_project_annotator_label"
            ),
            # (document, annotator) lookups use the unique index above, which starts with them.
        ]

    def __str__(self) -> str:
        return f"{self.label_id}[{self.start}:{self.end}]"


class EvidenceStance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    REFUTES = "refutes", "Refutes"
    CONTEXT = "context", "Context"


class Evidence(models.Model):
    span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=2000, blank=True, default="")
    note = models.TextField(blank=True, default="")
    stance = models.CharField(max_length=16, choices=EvidenceStance.choices)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__in=EvidenceStance.values), name="evidence_stance_valid"
            ),
            models.CheckConstraint(condition=~Q(url="") | ~Q(note=""), name="evidence_url_or_note"),
        ]

    def __str__(self) -> str:
        return f"{self.stance}: {self.url or self.note[:40]}"


class JobKind(models.TextChoices):
    IMPORT = "import", "Import"
    AGREEMENT = "agreement", "Agreement"
    EXPORT = "export", "Export"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """One unit of background work (import, agreement, export) and its visible progress."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The lease (annotations.services.jobs): the Celery task that runs the job, the worker running
    # it (its host name, and which start of that worker), and when the job last showed life. A
    # running job whose lease ran out while its worker is gone is restarted once, then failed.
    task_name = models.CharField(max_length=200, blank=True, default="")
    worker = models.CharField(max_length=255, blank=True, default="")
    worker_instance = models.CharField(max_length=64, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    restarts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=JobKind.values), name="job_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="job_state_valid"),
        ]
        indexes = [
            # Workers look for running jobs whose lease ran out every few seconds.
            models.Index(
                fields=["heartbeat_at"], condition=Q(state="running"), name="job_running_lease"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.SUCCEEDED, JobState.FAILED)


class DocumentAgreement(models.Model):
    """One document's agreement intermediate (additive sums; see ``annotations.agreement``).

    ``dirty`` is set whenever an input may have changed (a span edit, a submission); the refresh
    task recomputes dirty documents only and updates the project's running sums.
    """

    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="agreement")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    dirty = models.BooleanField(default=True)
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    intermediate = models.JSONField(null=True, blank=True)
    # The document's own character-level alpha (ranking, exports); None with a reason if undefined.
    alpha = models.FloatField(null=True, blank=True)
    alpha_reason = models.CharField(max_length=200, blank=True, default="")
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "dirty"])]

    def __str__(self) -> str:
        return f"agreement of document {self.document_id}"


class ProjectAgreement(models.Model):
    """The project's running agreement sums, so that one edited document updates the report by
    subtracting its old intermediate and adding its new one."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="agreement")
    accumulator = models.JSONField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"agreement sums of project {self.project_id}"


class AgreementReport(models.Model):
    """A computed agreement report; reports are kept so that reviewers see the trend."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agreement_reports")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    fingerprint = models.CharField(max_length=64, help_text="Hash of every input the report used.")
    documents_counted = models.PositiveIntegerField(default=0)
    metrics = models.JSONField()
    timings = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"agreement report {self.pk} of project {self.project_id}"


class GoldSpan(models.Model):
    """A span of the adjudicated gold standard, with its verification verdict."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="gold_spans")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="gold_spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    status = models.ForeignKey(
        VerificationStatus, on_delete=models.PROTECT, related_name="gold_spans"
    )
    rationale = models.TextField(blank=True, default="")
    # The annotator spans this gold span was accepted from (empty: added by the reviewer).
    source_spans = models.ManyToManyField(Span, blank=True, related_name="gold_spans")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["document_id", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")), name="gold_offsets_ordered"
            ),
            models.UniqueConstraint(
                fields=["document", "label", "start", "end"], name="gold_unique_per_document"
            ),
        ]

    def __str__(self) -> str:
        return f"gold {self.label_id}[{self.start}:{self.end}]"


class GoldEvidence(models.Model):
    gold_span = models.ForeignKey(GoldSpan, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=2000, blank=True, default="")
    document_ref = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A document of the same project cited as evidence.",
    )
    note = models.TextField(blank=True, default="")
    stance = models.CharField(max_length=16, choices=EvidenceStance.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__in=EvidenceStance.values), name="gold_evidence_stance_valid"
            ),
            models.CheckConstraint(
                condition=~Q(url="") | Q(document_ref__isnull=False),
                name="gold_evidence_url_or_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stance}: {self.url or self.document_ref_id}"


class VerdictChange(models.Model):
    """History of a gold span's verdict: who changed it, when, from what, to what, and why."""

    gold_span = models.ForeignKey(
        GoldSpan, on_delete=models.CASCADE, related_name="verdict_history"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    from_status = models.ForeignKey(
        VerificationStatus, null=True, on_delete=models.PROTECT, related_name="+"
    )
    to_status = models.ForeignKey(VerificationStatus, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status_id}→{self.to_status_id}"


class AdjudicationState(models.TextChoices):
    OPEN = "open", "Open"
    ADJUDICATED = "adjudicated", "Adjudicated"


class DocumentAdjudication(models.Model):
    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="adjudication")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=16, choices=AdjudicationState.choices, default=AdjudicationState.OPEN
    )
    adjudicated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    adjudicated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=AdjudicationState.values), name="adjudication_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.state}"


class Comment(models.Model):
    """A message in the discussion thread of a document, an annotator's span or a gold span."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    span = models.ForeignKey(
        Span, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    gold_span = models.ForeignKey(
        GoldSpan, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty"),
            models.CheckConstraint(
                condition=Q(span__isnull=True) | Q(gold_span__isnull=True),
                name="comment_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on document {self.document_id}"
