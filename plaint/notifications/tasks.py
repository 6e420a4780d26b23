"""One interface for background work: the periodic jobs, run in-process or by Celery (PLAINT_TASKS).

`inprocess` (the default, `make demo`): a thread of `manage.py serve`, or `manage.py run_worker`,
runs every job each PLAINT_WORKER_INTERVAL seconds. `celery`: beat sends each job on the same
schedule to Celery workers (`celery -A plaint worker`, `celery -A plaint beat`) through Redis.
Either way a job is `run_periodic(name)`; every job is safe to run in several workers at once
(deliveries are claimed, clocks act under the case's version guard, measures end by conditional update).
"""

import logging
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .worker import PERIODIC_JOBS, run_forever, run_periodic

__all__ = ["backend", "run_periodic", "schedule", "start_in_process"]

log = logging.getLogger(__name__)

BACKENDS = ("inprocess", "celery")


def backend() -> str:
    """Return the configured backend, "inprocess" or "celery"; anything else is a configuration error."""
    value = settings.PLAINT_TASKS
    if value not in BACKENDS:
        raise ImproperlyConfigured(f"PLAINT_TASKS is {value!r}; use one of: {', '.join(BACKENDS)}.")
    return value


def schedule() -> dict[str, float]:
    """Return each periodic job's name and how often it runs, in seconds."""
    return {name: settings.PLAINT_WORKER_INTERVAL for name in PERIODIC_JOBS}


def start_in_process(stop: threading.Event) -> threading.Thread | None:
    """Start the in-process worker thread when the backend is "inprocess"; None under Celery.

    `manage.py serve` calls this, so one setting decides where the jobs run.
    """
    if backend() != "inprocess":
        log.info("PLAINT_TASKS=celery: the periodic jobs run on Celery workers, not in this process")
        return None
    thread = threading.Thread(target=run_forever, args=(stop,), name="plaint-worker", daemon=True)
    thread.start()
    return thread
