import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

app = Celery("workbench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _register_worker_steps() -> None:
    from workbench.heartbeat import WorkerHeartbeat

    app.steps["worker"].add(WorkerHeartbeat)


_register_worker_steps()
