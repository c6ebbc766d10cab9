"""Background jobs (imports, agreement runs, exports)."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import Job, JobState


class JobSerializer(serializers.ModelSerializer):
    waiting_for_worker = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "project",
            "kind",
            "state",
            "progress",
            "progress_done",
            "progress_total",
            "waiting_for_worker",
            "worker",
            "heartbeat_at",
            "restarts",
            "params",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "worker": {"help_text": "Host name of the worker running the job (or that ran it)."},
            "heartbeat_at": {"help_text": "When the running job last showed life."},
            "restarts": {
                "help_text": "Times the job was started again because its worker stopped."
            },
        }

    def get_waiting_for_worker(self, job: Job) -> str | None:
        from annotations.selectors.jobs import job_waiting_message

        if job.state != JobState.QUEUED:
            return None
        # The answer depends on the workers, not on the job: ask the broker once per response,
        # not once per listed job (each ask may wait for a connect timeout when it is down).
        memo = self.context.setdefault("_waiting_for_worker", {})
        if "message" not in memo:
            memo["message"] = job_waiting_message(job)
        return memo["message"]

    def get_progress(self, job: Job) -> float | None:
        if job.state == "succeeded":
            return 1.0
        if not job.progress_total:
            return None
        return round(min(job.progress_done / job.progress_total, 1.0), 4)


# --- service health ------------------------------------------------------------------------------

WORKER_MODES = ["eager", "celery"]


ACTION_HELP = "What a person should do about it; null when nothing is wrong."


class WorkerStatusSerializer(serializers.Serializer):
    """How background jobs get executed: in the web process (eager) or by Celery workers."""

    mode = serializers.ChoiceField(choices=WORKER_MODES)
    alive = serializers.BooleanField()
    workers = serializers.ListField(child=serializers.CharField(), help_text="Host names.")
    detail = serializers.CharField()
    action = serializers.CharField(allow_null=True, help_text=ACTION_HELP)


class HealthDatabaseSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    vendor = serializers.CharField()
    detail = serializers.CharField(required=False, help_text="The error, when `ok` is false.")
    action = serializers.CharField(allow_null=True, help_text=ACTION_HELP)


class HealthBrokerSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    mode = serializers.ChoiceField(choices=WORKER_MODES)
    detail = serializers.CharField(help_text="Which broker, and the error when `ok` is false.")
    action = serializers.CharField(allow_null=True, help_text=ACTION_HELP)


class HealthWorkersSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    names = serializers.ListField(child=serializers.CharField())
    detail = serializers.CharField()
    action = serializers.CharField(allow_null=True, help_text=ACTION_HELP)


class HealthSerializer(serializers.Serializer):
    database = HealthDatabaseSerializer()
    broker = HealthBrokerSerializer()
    workers = HealthWorkersSerializer()
