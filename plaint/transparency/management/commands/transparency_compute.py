from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from plaint.transparency.jobs import compute_range


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a day; write it as 2026-11-30.") from None


class Command(BaseCommand):
    help = (
        "Compute the transparency report's daily figures for each day from --from to --to (inclusive), "
        "replacing earlier runs of those days. The worker computes yesterday by itself."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", required=True, help="First day, e.g. 2026-11-01")
        parser.add_argument("--to", dest="last", help="Last day (default: yesterday)")

    def handle(self, *args: Any, **options: Any) -> None:
        first = _day(options["first"])
        last = _day(options["last"]) if options["last"] else timezone.localdate() - timedelta(days=1)
        if last < first:
            raise CommandError(f"--to {last} is before --from {first}.")
        days, rows = compute_range(first, last)
        self.stdout.write(f"{days} days computed ({first} to {last}), {rows} figure rows")
