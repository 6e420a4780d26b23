import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from plaint.inbound.actions import describe, ingest_email
from plaint.inbound.parsing import MalformedMail

# sysexits.h: the mail server bounces the message to its sender (a permanent failure) ...
EX_DATAERR = 65
# ... or keeps it and delivers it again later.
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "File or update a case from one e-mail read from standard input (a mail server's pipe delivery)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="the envelope recipient (repeatable); by default read from the Delivered-To/To headers",
        )

    def handle(self, *args: Any, recipient: list[str], **options: Any) -> None:
        raw = sys.stdin.buffer.read()
        try:
            result = ingest_email(raw, recipients=recipient or None)
        except MalformedMail as refused:
            # Unreadable for good: retrying the same bytes would fail the same way.
            self.stderr.write(f"message refused: {refused.message}")
            sys.exit(EX_DATAERR)
        except Exception as exc:
            # Nothing was committed; a temporary failure makes the mail server try again.
            self.stderr.write(f"could not process the message: {type(exc).__name__}: {exc}")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(json.dumps(describe(result), ensure_ascii=False))
