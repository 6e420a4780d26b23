"""Serve Plaint on one machine: the web server plus the worker (deliveries, clocks) in-process."""

import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from plaint.notifications.tasks import start_in_process


class Command(BaseCommand):
    help = "Serve Plaint with its background worker in the same process (the one-machine default)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        stop = threading.Event()
        # The worker thread, unless PLAINT_TASKS=celery hands the jobs to Celery workers and beat.
        start_in_process(stop)
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            stop.set()
