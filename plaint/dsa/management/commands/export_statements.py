import sys
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from plaint.dsa.export import collect, write_jsonl


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a day; write it as 2026-11-30.") from None


class Command(BaseCommand):
    help = (
        "Write the statements of reasons for the EU DSA Transparency Database of the decisions and "
        "measures from --from to --to (inclusive, days in PLAINT_TIME_ZONE) as JSON Lines, one "
        "statement per line in the API's format. Fails, writing nothing, if a category, measure or "
        "remedy has no [dsa] mapping in the rulebook, naming each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", required=True, help="First day, e.g. 2026-11-01")
        parser.add_argument("--to", dest="last", required=True, help="Last day, e.g. 2026-11-30")
        parser.add_argument("--out", help="File to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        first, last = _day(options["first"]), _day(options["last"])
        if last < first:
            raise CommandError(f"--to {last} is before --from {first}.")
        zone = timezone.get_current_timezone()
        start = datetime.combine(first, time.min, tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        result = collect(start, end)
        if result.unmapped:
            raise CommandError(
                "Some statements cannot be classified; add the missing entries to the rulebook's [dsa] "
                "section (docs/transparency.md):\n  " + "\n  ".join(result.unmapped)
            )
        if options["out"]:
            with open(options["out"], "w", encoding="utf-8") as out:
                write_jsonl(result.statements, out)
        else:
            write_jsonl(result.statements, self.stdout)
        sys.stderr.write(
            f"{len(result.statements)} statements ({first} to {last}); "
            f"{result.not_required} decisions or measures restrict nothing and need none\n"
        )
