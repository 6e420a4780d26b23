"""Replay the rulebook's automated rules over past decided cases: the shadow report an admin reads first."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plaint.cases import auto_rules
from plaint.errors import DomainError


class Command(BaseCommand):
    help = (
        "Evaluate each automated rule ([[auto_rules]]) of a rulebook version on the cases people decided in "
        "the last N months, record what it would have decided beside what they decided, and print the "
        "agreement per rule. A rule can be switched live only once it has such a report."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, required=True, help="How many months of decided cases (1 to 36)")
        parser.add_argument("--rule", help="One rule's id (default: every rule of the version)")
        parser.add_argument(
            "--rulebook-version", help="The rulebook version (default: the newest with automated rules)"
        )

    def handle(self, *args: Any, months: int, rule: str | None, rulebook_version: str | None, **options: Any) -> None:
        try:
            rulebook = auto_rules.rules_version(rulebook_version)
            reports = auto_rules.replay(rulebook, months=months, rule_id=rule)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        for row in reports:
            rate = f"{row.agreed / row.matched:.1%}" if row.matched else "-"
            self.stdout.write(
                f"{row.rulebook_version}/{row.rule}: {row.considered} decided by people since "
                f"{row.since:%Y-%m-%d}, {row.matched} matched, {row.agreed} agreed ({rate})"
            )
