"""Worker processes for tests that need more than one: Celery workers and `manage.py run_worker`.

They run against the test's own database (a transactional_db test, so what the test writes is
committed and visible to them), passed through PLAINT_DATABASE_URL.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def database_url() -> str:
    """Return a PLAINT_DATABASE_URL for the database this test runs on (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PLAINT_DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "plaint.settings",
            "PYTHONUNBUFFERED": "1",
            # Each pass of a worker sees its own connection state, like production.
            "PLAINT_DB_CONN_MAX_AGE": "0",
        }
    )
    env.update(extra)
    return env


def start(args: list[str], log: Path, **extra: str) -> subprocess.Popen:
    """Start a process in the project's folder with the test database; its output goes to `log`."""
    handle = log.open("wb")
    return subprocess.Popen(args, cwd=ROOT, env=environment(**extra), stdout=handle, stderr=subprocess.STDOUT)


def celery_worker(name: str, queue: str, log: Path, **extra: str) -> subprocess.Popen:
    """Start one Celery worker process (one job at a time) consuming `queue`."""
    return start(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "plaint",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
        ],
        log,
        PLAINT_CELERY_QUEUE=queue,
        **extra,
    )


def celery_beat(queue: str, log: Path, **extra: str) -> subprocess.Popen:
    """Start Celery beat sending the periodic jobs to `queue`; its schedule file goes beside `log`."""
    return start(
        [str(VENV_BIN / "celery"), "-A", "plaint", "beat", "-l", "info", "-s", str(log.with_suffix(".schedule"))],
        log,
        PLAINT_CELERY_QUEUE=queue,
        **extra,
    )


def run_worker(log: Path, **extra: str) -> subprocess.Popen:
    """Start `manage.py run_worker` (the in-process backend, as its own process)."""
    return start([sys.executable, "manage.py", "run_worker"], log, **extra)


def stop(process: subprocess.Popen, *, hard: bool = False) -> None:
    """Stop a process: SIGKILL when `hard`, else SIGTERM and SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds.

    For waiting on other processes' work, not on a deadline: a deadline is moved with the clock.
    """
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
