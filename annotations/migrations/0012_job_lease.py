"""The job lease: which task and worker run a job, when it last showed life, and how often it was
restarted after its worker stopped (annotations.services.jobs, annotations.services.job_recovery).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0011_span_references_checked_per_statement"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="task_name",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="job",
            name="worker",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AddField(
            model_name="job",
            name="worker_instance",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="job",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="job",
            name="restarts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                condition=models.Q(("state", "running")),
                fields=["heartbeat_at"],
                name="job_running_lease",
            ),
        ),
    ]
