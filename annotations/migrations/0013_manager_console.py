"""The manager's console (issue [3/7]): archived projects, one-line label and status descriptions,
label and status names unique per project (ignoring case), each document's import batch, and the
documents table's full-text search vector with its index (PostgreSQL only)."""

import importlib

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Lower


# SQLite rebuilds a table to add a NOT NULL column, and its triggers that name the label and status
# tables (migrations 0002 and 0005) break the rebuild: they are dropped first and made again after.
_TRIGGER_MIGRATIONS = ("0002_cross_project_integrity", "0005_gold_same_project")


def _sqlite_trigger_sql(attribute: str) -> list[str]:
    return [
        statement
        for name in _TRIGGER_MIGRATIONS
        for statement in getattr(
            importlib.import_module(f"annotations.migrations.{name}"), attribute
        )
    ]


def sqlite_triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _sqlite_trigger_sql("SQLITE_BACKWARD"):
            schema_editor.execute(statement)


def sqlite_triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _sqlite_trigger_sql("SQLITE_FORWARD"):
            schema_editor.execute(statement)


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """A GIN index exists on PostgreSQL only; elsewhere the model state has it, the database not
    (the SQLite search falls back to a plain scan)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def rename_duplicate_names(apps, schema_editor):
    """Names that differ only in case get " (2)", " (3)", ... so the new constraints hold."""
    for model_name in ("Label", "VerificationStatus"):
        model = apps.get_model("annotations", model_name)
        seen: set[tuple[int, str]] = set()
        for row in model.objects.order_by("project_id", "id").only("id", "project_id", "name"):
            name, n = row.name, 1
            while (row.project_id, name.lower()) in seen:
                n += 1
                name = f"{row.name[:90]} ({n})"
            seen.add((row.project_id, name.lower()))
            if name != row.name:
                model.objects.filter(pk=row.pk).update(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0012_job_lease"),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_drop, sqlite_triggers_create),
        migrations.AddField(
            model_name="document",
            name="import_job",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="annotations.job",
            ),
        ),
        migrations.AddField(
            model_name="label",
            name="description",
            field=models.CharField(
                blank=True, default="", help_text="One line, shown on hover.", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="archived_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Set when a manager archives the project: kept, read only, listed apart.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="verificationstatus",
            name="description",
            field=models.CharField(
                blank=True, default="", help_text="One line, shown on hover.", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                blank=True, editable=False, null=True
            ),
        ),
        AddIndexOnPostgreSQL(
            model_name="document",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="document_search"
            ),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("search_vector__isnull", True)),
                fields=["project"],
                name="document_search_pending",
            ),
        ),
        migrations.RunPython(rename_duplicate_names, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="label",
            constraint=models.UniqueConstraint(
                Lower("name"), models.F("project"), name="label_unique_name_per_project"
            ),
        ),
        migrations.AddConstraint(
            model_name="verificationstatus",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                models.F("project"),
                name="status_unique_name_per_project",
            ),
        ),
        migrations.RunPython(sqlite_triggers_create, sqlite_triggers_drop),
    ]
