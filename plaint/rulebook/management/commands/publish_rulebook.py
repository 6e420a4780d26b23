"""Publish the rulebook files not yet in the database, as migrate does (docs/rulebook.md)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from plaint.rulebook import loader


class Command(BaseCommand):
    help = (
        "Validate every file in PLAINT_RULEBOOK_DIR and publish the versions not yet published (migrate does the "
        "same). Refuses, publishing nothing, if a published version's file has been edited."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loader.check()
            published = loader.publish_all()
        except loader.RulebookError as error:
            raise CommandError(str(error)) from None
        if published:
            self.stdout.write(f"Published rulebook version(s): {', '.join(published)}")
        else:
            self.stdout.write("Nothing to publish: every rulebook file is published already.")
