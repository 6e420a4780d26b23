import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from plaint.notifications.tasks import backend
from plaint.notifications.worker import run_forever, run_once


class Command(BaseCommand):
    help = "Run the background worker (webhook deliveries, case clocks) until stopped."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one pass and exit")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        if backend() == "celery":
            raise CommandError(
                "PLAINT_TASKS=celery: run `celery -A plaint worker` and `celery -A plaint beat` instead "
                "(or unset PLAINT_TASKS to run the in-process worker)."
            )
        if once:
            run_once()
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        run_forever(stop)
