"""manage.py simulate: a period of Plaint on simulated time against a scratch database (docs/simulation.md)."""

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from plaint.errors import DomainError
from plaint.rulebook import loader
from plaint.simulation import report, scenario
from plaint.simulation.engine import SimulationFault
from plaint.simulation.runner import simulate


def _first_of_next_month(now: datetime) -> datetime:
    local = timezone.localtime(now)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def _one_month_after(start: datetime) -> datetime:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    day = start.day
    while True:
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:  # 31 January + one month: the last day of February
            day -= 1


class Command(BaseCommand):
    help = (
        "Run a period (default: next month) of Plaint on simulated time against a scratch database, never the "
        "live one, and print the figures operators size a team or try a rule change with."
    )
    # Nothing before the switch to the scratch database may connect to the live one.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="The run's random seed: one seed, one result.")
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--rulebook",
            help="A rulebook version of the rulebook folder (default: the one in force "
            "at the start), simulated for the whole period.",
        )
        which.add_argument(
            "--rulebook-file", type=Path, help="A draft rulebook TOML, not published: loaded into the scratch run only."
        )
        parser.add_argument("--start", help="The first day, YYYY-MM-DD (default: the first of next month).")
        parser.add_argument("--days", type=int, help="Days to simulate (default: one month from the start).")
        parser.add_argument("--merchants", type=int, default=200)
        parser.add_argument("--orders", type=int, default=20_000)
        parser.add_argument("--reports", type=int, default=3_000)
        parser.add_argument(
            "--category-mix",
            default="",
            help="Weights per category, e.g. product_quality=3,counterfeit=1 (default: a typical cross-border mix).",
        )
        parser.add_argument(
            "--merchant-mix",
            default="fair=0.5,contesting=0.2,silent=0.1,mixed=0.2",
            help="Weights of merchant behaviours: fair, contesting, silent, mixed.",
        )
        parser.add_argument("--reviewers", type=int, default=3)
        parser.add_argument(
            "--capacity", type=int, default=30, help="Cases each reviewer handles in a working day, at most."
        )
        parser.add_argument(
            "--hours", help="The reviewers' working hours, e.g. 09:00-18:00 (default: the decision clock's calendar's)."
        )
        parser.add_argument(
            "--missing-evidence",
            type=float,
            default=0.2,
            help="Share of reports filed without the evidence their category requires.",
        )
        parser.add_argument(
            "--late-evidence",
            type=float,
            default=0.6,
            help="Share of evidence asked for that the reporter sends later (some past the deadline).",
        )
        parser.add_argument("--nudge", type=float, default=0.15, help="Share of reporters who nudge their case.")
        parser.add_argument("--withdraw", type=float, default=0.02, help="Share of reporters who withdraw.")
        parser.add_argument(
            "--out-of-window",
            type=float,
            default=0.03,
            help="Share of order reports filed after the category's window.",
        )
        parser.add_argument(
            "--review-evidence",
            type=float,
            default=0.08,
            help="Share of the cases reviewers take up in which they first ask for more evidence.",
        )
        parser.add_argument(
            "--database-url",
            help="The scratch database (default: a SQLite file under the "
            "scratch folder). Never the live one; an existing one only if a simulation made it.",
        )
        parser.add_argument(
            "--scratch",
            type=Path,
            default=None,
            help="The scratch folder: database, evidence files, rulebook (default: var/simulation).",
        )
        parser.add_argument("--json", type=Path, help="Write the figures as JSON to this file.")
        parser.add_argument("--html", type=Path, help="Write the figures as an HTML page with charts to this file.")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[c for c, _ in settings.LANGUAGES],
            help="The HTML page's language.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            chosen = self._scenario(options)
            text, source = self._rulebook(options, chosen.start)
            started = time.perf_counter()
            figures, faults = simulate(
                chosen,
                text,
                database_url=options["database_url"],
                folder=options["scratch"] or Path(settings.VAR_DIR) / "simulation",
            )
        except DomainError as exc:
            raise CommandError(f"{exc.message}" + (f" {exc.hint}" if exc.hint else "")) from None
        except SimulationFault as exc:
            # A fault in Plaint (or in the simulation) the run found: --traceback shows where.
            raise CommandError(f"The run stopped: {exc}") from exc
        figures["run"] = {"seconds": round(time.perf_counter() - started, 1), "rulebook_source": source}
        self.stdout.write(report.text(figures))
        if options["json"]:
            options["json"].write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if options["html"]:
            options["html"].write_text(report.html(figures, options["language"]), encoding="utf-8")
        if faults:
            raise CommandError("The figures do not add up:\n" + "\n".join(f"- {p}" for p in faults))

    def _scenario(self, options: dict[str, Any]) -> scenario.Scenario:
        if options["start"]:
            try:
                day = datetime.strptime(options["start"], "%Y-%m-%d")
            except ValueError:
                raise CommandError(f"--start {options['start']!r}: give a date as YYYY-MM-DD.") from None
            start = timezone.make_aware(day)
        else:
            start = _first_of_next_month(timezone.now())
        end = start + timedelta(days=options["days"]) if options["days"] else _one_month_after(start)
        hours = None
        if options["hours"]:
            try:
                first, _, last = options["hours"].partition("-")
                hours = (datetime.strptime(first, "%H:%M").time(), datetime.strptime(last, "%H:%M").time())
            except ValueError:
                raise CommandError(
                    f"--hours {options['hours']!r}: give them as HH:MM-HH:MM, e.g. 09:00-18:00."
                ) from None
        chosen = scenario.Scenario(
            seed=options["seed"],
            start=start,
            end=end,
            merchants=options["merchants"],
            orders=options["orders"],
            reports=options["reports"],
            category_mix=scenario.parse_mix(options["category_mix"], self._categories(options, start), "category")
            if options["category_mix"]
            else {},
            merchant_mix=scenario.parse_mix(options["merchant_mix"], scenario.MERCHANT_KINDS, "merchant"),
            reviewers=options["reviewers"],
            capacity=options["capacity"],
            hours=hours,
            missing_evidence_share=options["missing_evidence"],
            late_evidence_share=options["late_evidence"],
            nudge_share=options["nudge"],
            withdraw_share=options["withdraw"],
            out_of_window_share=options["out_of_window"],
            review_evidence_share=options["review_evidence"],
        )
        scenario.validate(chosen)
        return chosen

    def _categories(self, options: dict[str, Any], start: datetime) -> list[str]:
        text, _ = self._rulebook(options, start)
        return [c.code for c in loader.parse(text, "rulebook").categories]

    def _rulebook(self, options: dict[str, Any], start: datetime) -> tuple[str, str]:
        """Return the simulated rulebook's text and where it came from."""
        if options["rulebook_file"]:
            path = options["rulebook_file"]
            if not path.is_file():
                raise CommandError(f"--rulebook-file {path}: no such file.")
            text = path.read_text(encoding="utf-8")
            loader.parse(text, str(path))  # a malformed draft stops here, naming the entry and field
            return text, str(path)
        if options["rulebook"]:
            version = options["rulebook"]
        else:
            # From the files, never the live database's published rows: this process connects to no database.
            in_force = [rb for rb in loader.file_versions() if rb.effective_from <= start]
            if not in_force:
                raise CommandError(f"--start {start:%Y-%m-%d}: no rulebook version of the folder is in force then.")
            version = max(in_force, key=lambda rb: rb.effective_from).version
        for path in sorted(Path(settings.PLAINT_RULEBOOK_DIR).glob("*.toml")):
            rulebook, text = loader.load_file(path)
            if rulebook.version == version:
                return text, path.name
        versions = ", ".join(sorted(rb.version for rb in loader.file_versions()))
        raise CommandError(f"--rulebook {version!r}: no such version; the rulebook folder has {versions}.")
