"""The in-process worker: every PLAINT_WORKER_INTERVAL seconds, run each periodic job once.

Runs as `manage.py run_worker`, or as a thread inside `manage.py serve` (the one-machine default);
under PLAINT_TASKS=celery the same jobs run as Celery tasks instead (see tasks.py).
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Each is called with no arguments on every pass; each must be safe to run in several workers at once.
PERIODIC_JOBS = [
    "plaint.buyers.actions.run_due",
    "plaint.cases.clocks.tick",
    "plaint.cases.quality.refresh_if_due",
    "plaint.cases.digest.send_escalation_digest",
    "plaint.cases.priority.refresh_ages_if_due",
    "plaint.committee.draw.retry_waiting_draws",
    "plaint.committee.votes.replace_missed_members",
    "plaint.committee.votes.decide_overdue_panels",
    "plaint.dsa.submission.run",
    "plaint.enforcement.actions.end_due_measures",
    "plaint.inbound.actions.expire_held_mail",
    "plaint.monitoring.jobs.run_if_due",
    "plaint.notifications.delivery.deliver_due",
    "plaint.privacy.retention.run_if_due",
    "plaint.transparency.jobs.run_if_due",
]
DELIVERY_JOB = "plaint.notifications.delivery.deliver_due"
# Jobs that are not claimed row by row: run by one worker at a time (a PostgreSQL advisory lock; a
# worker that finds it taken skips the pass). The monitoring and transparency jobs compute a day's figures
# as a whole, the quality job the appeals' figures.
EXCLUSIVE_JOBS = {
    "plaint.monitoring.jobs.run_if_due": 7_240_001,
    "plaint.transparency.jobs.run_if_due": 7_240_002,
    "plaint.cases.quality.refresh_if_due": 7_240_003,
    "plaint.privacy.retention.run_if_due": 7_240_004,
}


def run_periodic(name: str) -> bool:
    """Run one periodic job now; return whether it may have more work due at once.

    Only delivery says so: it filled its batch, and the caller should run it again without waiting
    (the in-process loop does; Celery queues the task again so another worker can take a batch).
    An unknown name is a ValueError; a failing job is logged and counts as no more work.
    """
    if name not in PERIODIC_JOBS:
        raise ValueError(f"{name!r} is not a periodic job; the jobs are: {', '.join(PERIODIC_JOBS)}.")
    try:
        with _exclusive(name) as mine:
            if not mine:
                return False
            result: Any = import_string(name)()
    except Exception:
        log.exception("periodic job %s failed", name)
        return False
    finally:
        close_old_connections()
    if name == DELIVERY_JOB:
        return result.claimed >= settings.PLAINT_DELIVERY_BATCH
    return False


@contextmanager
def _exclusive(name: str) -> Iterator[bool]:
    """Yield whether this worker may run the job: always, unless it is exclusive and another holds its lock.

    On SQLite (one machine, usually one worker) there is no lock; the job's own checks must do.
    """
    key = EXCLUSIVE_JOBS.get(name)
    if key is None or connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def run_once() -> bool:
    """Run every periodic job once; a failing job is logged and does not stop the others.

    Return whether some job has more work due at once.
    """
    more = False
    for name in PERIODIC_JOBS:
        more = run_periodic(name) or more
    return more


def run_forever(stop: threading.Event) -> None:
    """Run the jobs until `stop` is set; a backlog of deliveries is worked off without pausing.

    The database connection of the thread is closed on the way out.
    """
    try:
        while not stop.is_set():
            more = run_once()
            # Only delivery again: the clocks need not run more often than every interval, but must
            # not wait behind a long backlog either, so the backlog is worked off in slices.
            until = time.monotonic() + 10 * settings.PLAINT_WORKER_INTERVAL
            while more and not stop.is_set() and time.monotonic() < until:
                more = run_periodic(DELIVERY_JOB)
            if not more:
                stop.wait(settings.PLAINT_WORKER_INTERVAL)
    finally:
        connection.close()
