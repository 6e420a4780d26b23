"""Fit the suggested category's model on decided cases and store it as a new version (docs/screening.md)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from plaint.errors import DomainError
from plaint.triage.training import train


class Command(BaseCommand):
    help = "Fit a text classifier on decided cases (their final category) and store it as the next model version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=50000, help="Use at most this many of the latest cases")
        parser.add_argument("--inactive", action="store_true", help="Store the model without making it active")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            model = train(timezone.now(), limit=options["limit"], activate=not options["inactive"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        state = "active" if model.active else "stored, not active"
        self.stdout.write(
            f"triage model {model.version} ({state}): {model.cases['train']} cases to train, "
            f"{model.cases['test']} held out; {len(model.labels)} categories; metrics {model.metrics}"
        )
