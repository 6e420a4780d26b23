"""Check a dossier ZIP: Plaint's signature on its manifest, and every file against the manifest (plaint/dossier)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plaint.dossier import signing
from plaint.dossier.verify import verify
from plaint.errors import DomainError


class Command(BaseCommand):
    help = (
        "Check a dossier downloaded from Plaint (FILE.zip): whether Plaint signed its manifest and whether every "
        "file is the one the manifest lists; print each changed, missing or unexpected file; exit non-zero if any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The dossier, e.g. dossier-PL-7KQ3-M2XA.zip")

    def handle(self, *args: object, **options: object) -> None:
        path = str(options["file"])
        try:
            verdict = verify(path)
        except FileNotFoundError as exc:
            raise CommandError(f"No file {path!r}.") from exc
        except DomainError as exc:
            raise CommandError(f"{path}: {exc.message}") from exc
        head = verdict.log_head or {}
        self.stdout.write(
            f"Case {verdict.case} · copy for {verdict.copy_for} · made {verdict.created_at} · "
            f"{verdict.files} file(s) · log head {head.get('sequence')}:{head.get('hash')}"
        )
        for problem in verdict.problems:
            self.stdout.write(str(problem))
        if not verdict.intact:
            raise CommandError(f"{path}: the dossier is NOT intact ({len(verdict.problems)} problem(s)).")
        self.stdout.write(self.style.SUCCESS(f"{path}: intact, signed by Plaint (key {signing.key_id()})."))
