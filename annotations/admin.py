"""Django admin for staff: read-mostly views of the domain rows. Changes that have business rules
(spans, assignments, statuses) belong in the API, which runs the services."""

from django.contrib import admin

from annotations.models import (
    Assignment,
    Document,
    Evidence,
    Job,
    Label,
    Membership,
    Project,
    Span,
    VerificationStatus,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


class LabelInline(admin.TabularInline):
    model = Label
    extra = 0


class StatusInline(admin.TabularInline):
    model = VerificationStatus
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "annotators_per_document", "blind", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline, LabelInline, StatusInline]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "title", "published_at", "created_at"]
    list_filter = ["project"]
    search_fields = ["title"]
    readonly_fields = ["text"]  # offsets of stored spans depend on it


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0


@admin.register(Span)
class SpanAdmin(admin.ModelAdmin):
    list_display = ["id", "document", "annotator", "label", "start", "end", "status", "version"]
    list_filter = ["project", "label__key", "status__key"]
    raw_id_fields = ["document", "annotator"]
    readonly_fields = ["project", "document", "annotator", "start", "end", "quote", "version"]
    inlines = [EvidenceInline]

    def has_add_permission(self, request) -> bool:
        return False  # spans are created through the API, which checks offsets and quotes


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "document", "annotator", "state", "time_spent_seconds"]
    list_filter = ["project", "state"]
    raw_id_fields = ["document", "annotator"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "project",
        "kind",
        "state",
        "progress_done",
        "progress_total",
        "created_at",
    ]
    list_filter = ["kind", "state"]
    readonly_fields = [f.name for f in Job._meta.fields]
