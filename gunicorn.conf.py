"""gunicorn settings for serving Plaint in production: `gunicorn -c gunicorn.conf.py plaint.wsgi`."""

import gc
import os

bind = os.environ.get("PLAINT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PLAINT_WEB_WORKERS", str((os.cpu_count() or 1) * 2)))
preload_app = True


def post_fork(server: object, worker: object) -> None:
    # Objects loaded before the fork (Django, the rulebook) are never garbage; keep the collector off
    # them, and run it less often: a request allocates many short-lived objects (ORM rows, dicts).
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
