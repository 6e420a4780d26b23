"""Walk the hash-chained case logs and report every event edited, inserted or deleted (cases/chain.py)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plaint.cases import chain
from plaint.cases.models import Case


class Command(BaseCommand):
    help = (
        "Check every case's log (or one with --case) against its hash chain; print each edited, inserted or "
        "deleted event by case and position, and exit non-zero if any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", dest="reference", help="Only this case (its reference, e.g. PL-7KQ3-M2XA)")
        parser.add_argument(
            "--head",
            help="With --case: a chain head kept from before (hex SHA-256); fail if the chain no longer contains it",
        )

    def handle(self, *args: object, **options: object) -> None:
        reference, head = options["reference"], options["head"]
        if head and not reference:
            raise CommandError("--head needs --case: a head belongs to one case's log.")
        cases = Case.objects.order_by("pk").only("pk", "reference")
        if reference:
            cases = cases.filter(reference=reference)
            if not cases.exists():
                raise CommandError(f"No case {reference!r}.")
        checked = broken = 0
        for case in cases.iterator(chunk_size=500):
            problems = chain.verify(case, head_hash=head)
            checked += 1
            if problems:
                broken += 1
                for problem in problems:
                    self.stdout.write(str(problem))
        if broken:
            raise CommandError(f"{broken} of {checked} case log(s) do not match their hash chain.")
        self.stdout.write(self.style.SUCCESS(f"{checked} case log(s) checked: every chain is intact."))
