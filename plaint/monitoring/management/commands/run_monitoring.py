from typing import Any

from django.core.management.base import BaseCommand

from plaint.monitoring.jobs import compute


class Command(BaseCommand):
    help = "Compute every merchant's monitoring figures now and raise flags (the worker also runs it daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = compute()
        self.stdout.write(
            f"{report.merchants} merchants, {report.flags} new flags, "
            f"{report.warnings} warnings and {report.suspensions} suspensions for illegal goods"
        )
