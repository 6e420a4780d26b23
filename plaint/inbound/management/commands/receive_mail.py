import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from plaint.inbound.smtp import controller


class Command(BaseCommand):
    help = "Receive e-mail for Plaint by SMTP (or LMTP) and file or update cases from it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--bind", default=settings.PLAINT_INBOUND_BIND, help="host:port to listen on (PLAINT_INBOUND_BIND)"
        )
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP (for delivery from a local mail server)")

    def handle(self, *args: Any, bind: str, lmtp: bool, **options: Any) -> None:
        host, _, port = bind.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"--bind must be host:port, e.g. 127.0.0.1:2525 (got {bind!r})")
        receiver = controller(host, int(port), lmtp=lmtp)
        receiver.start()
        self.stdout.write(f"Receiving mail by {'LMTP' if lmtp else 'SMTP'} on {host}:{port}", ending="\n")
        self.stdout.flush()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        receiver.stop()
