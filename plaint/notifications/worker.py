"""The background worker: every PLAINT_WORKER_INTERVAL seconds, run each periodic job once.

Runs as `manage.py run_worker`, or as a thread inside `manage.py serve` (the one-machine default).
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Each is called with no arguments on every pass; each must be safe to run in several workers at once.
PERIODIC_JOBS = [
    "plaint.cases.clocks.tick",
    "plaint.enforcement.actions.end_due_measures",
    "plaint.monitoring.jobs.run_if_due",
    "plaint.notifications.delivery.deliver_due",
]


def run_once() -> None:
    """Run every periodic job once; a failing job is logged and does not stop the others."""
    for path in PERIODIC_JOBS:
        try:
            import_string(path)()
        except Exception:
            log.exception("periodic job %s failed", path)
        finally:
            close_old_connections()


def run_forever(stop: threading.Event) -> None:
    """Run the jobs until `stop` is set."""
    while not stop.is_set():
        run_once()
        stop.wait(settings.PLAINT_WORKER_INTERVAL)
