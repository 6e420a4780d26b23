"""The Celery app for PLAINT_TASKS=celery: `celery -A plaint worker` and `celery -A plaint beat`.

Redis is the broker (PLAINT_CELERY_BROKER_URL); beat sends every periodic job of
plaint.notifications.tasks on its schedule; a worker runs it with `run_periodic`. No result backend:
the jobs write what they did to the database.
"""

import os

import django
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plaint.settings")
django.setup()

from django.conf import settings  # noqa: E402  (after django.setup)

from plaint.notifications import tasks  # noqa: E402

app = Celery("plaint")
app.conf.update(
    broker_url=settings.PLAINT_CELERY_BROKER_URL,
    broker_connection_retry_on_startup=True,
    task_default_queue=settings.PLAINT_CELERY_QUEUE,
    task_ignore_result=True,
    # A job is taken when a worker is free (no prefetching of a backlog onto one busy worker) and
    # acknowledged when done, so a job of a worker that died is run again: every job is idempotent.
    worker_prefetch_multiplier=1,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    timezone=settings.TIME_ZONE,
    beat_schedule_filename=str(settings.VAR_DIR / "celerybeat-schedule"),
    beat_schedule={
        name: {"task": "plaint.run_periodic", "schedule": every, "args": (name,), "options": {"expires": every * 5}}
        for name, every in tasks.schedule().items()
    },
)


@app.task(name="plaint.run_periodic")
def run_periodic(name: str) -> None:
    """Run one periodic job; when it has more work due at once, queue it again for any free worker."""
    if tasks.run_periodic(name):
        run_periodic.delay(name)
