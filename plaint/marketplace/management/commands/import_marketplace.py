"""Import merchants, listings and orders from JSON Lines.

Each line is {"type": "merchant" | "listing" | "order", ...the same fields as the API}. Lines are
applied in order, each in its own transaction, so a bad line is reported and skipped without losing
the good ones; the command exits non-zero when any line failed.
"""

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from pydantic import ValidationError

from plaint.errors import DomainError
from plaint.marketplace.actions import upsert_listing, upsert_merchant, upsert_order
from plaint.marketplace.inputs import ListingIn, MerchantIn, OrderIn

KINDS = {
    "merchant": (MerchantIn, upsert_merchant),
    "listing": (ListingIn, upsert_listing),
    "order": (OrderIn, upsert_order),
}


class Command(BaseCommand):
    help = "Import marketplace merchants, listings and orders from a JSON Lines file ('-' for stdin)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        counts = {"created": 0, "updated": 0, "failed": 0}
        with stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                error = self.import_line(line)
                if error:
                    counts["failed"] += 1
                    self.stderr.write(f"line {number}: {error}")
                else:
                    counts[self.last_outcome] += 1
        self.stdout.write(f"{counts['created']} created, {counts['updated']} updated, {counts['failed']} failed")
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} line(s) failed; the others were imported")

    def import_line(self, line: str) -> str | None:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            return f"not JSON ({exc.msg} at column {exc.colno})"
        if not isinstance(record, dict) or record.get("type") not in KINDS:
            return 'each line needs "type": one of merchant, listing, order'
        schema, upsert = KINDS[record.pop("type")]
        try:
            _, created = upsert(schema.model_validate(record))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            return f"{field}: {first['msg']}"
        except DomainError as exc:
            return f"{exc.field or ''}: {exc.message}"
        self.last_outcome = "created" if created else "updated"
        return None
