"""Re-run a panel's recorded draw (and its replacements' draws) and say whether they give the same members."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plaint.committee.draw import verify
from plaint.committee.models import Panel


class Command(BaseCommand):
    help = "Print a panel's seed and pools, re-run its draw from them, and say whether the members match."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("panel_id", type=int)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON")

    def handle(self, *args: object, **options: object) -> None:
        panel = Panel.objects.filter(pk=options["panel_id"]).first()
        if panel is None:
            raise CommandError(f"No panel {options['panel_id']}.")
        result = verify(panel)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(f"panel {panel.pk} ({panel.subject}), case {panel.case.reference}, state {panel.state}")
            self.stdout.write(f"composition: {', '.join(panel.composition)}")
            for draw in result["draws"]:
                self.stdout.write(f"\n{draw['what']}")
                self.stdout.write(f"  seed:    {draw['seed']}")
                for seat, pool in draw["pools"].items():
                    self.stdout.write(f"  pool {seat}: {pool}")
                self.stdout.write(f"  drawn:   {draw['drawn']}")
                self.stdout.write(f"  re-run:  {draw['redrawn']}")
                self.stdout.write(f"  matches: {'yes' if draw['matches'] else 'NO'}")
        if not result["matches"]:
            raise CommandError("The re-run draw does not match the recorded panel.")
        self.stdout.write(self.style.SUCCESS("\nThe re-run gives the same members."))
