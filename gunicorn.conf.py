"""gunicorn settings for serving Plaint in production: `gunicorn -c gunicorn.conf.py plaint.wsgi`."""

import os

bind = os.environ.get("PLAINT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PLAINT_WEB_WORKERS", str((os.cpu_count() or 1) * 2)))
# Django is loaded once in the master; workers fork with it ready.
preload_app = True
