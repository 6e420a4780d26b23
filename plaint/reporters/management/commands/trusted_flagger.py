"""Register trusted flaggers (DSA art. 22), give them accounts with API tokens, list their records."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from plaint.errors import DomainError
from plaint.reporters.flaggers import add_account, flagger_record, register_flagger
from plaint.reporters.models import FlaggerKind, TrustedFlagger


class Command(BaseCommand):
    help = "Register a trusted flagger, add an account with an API token to one, suspend or reinstate one, list them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        register = sub.add_parser("register", help="Register an organisation as a trusted flagger")
        register.add_argument("--name", required=True)
        register.add_argument("--kind", required=True, choices=FlaggerKind.values)
        register.add_argument("--email", default="")
        account = sub.add_parser("add-account", help="Add an account to a flagger and print its API token once")
        account.add_argument("flagger", type=int)
        account.add_argument("username")
        for name in ("suspend", "reinstate"):
            sub.add_parser(name, help=f"{name.capitalize()} a flagger's status").add_argument("flagger", type=int)
        sub.add_parser("list", help="Each flagger with its record")

    def _flagger(self, pk: int) -> TrustedFlagger:
        flagger = TrustedFlagger.objects.filter(pk=pk).first()
        if flagger is None:
            raise CommandError(f"No trusted flagger {pk}; `trusted_flagger list` shows them.")
        return flagger

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "register":
                flagger = register_flagger(options["name"], options["kind"], contact_email=options["email"])
                self.stdout.write(f"Registered trusted flagger {flagger.pk}: {flagger}")
            elif action == "add-account":
                user, key = add_account(self._flagger(options["flagger"]), options["username"])
                self.stdout.write(f"Account {user.username}; its API token (shown once): {key}")
            elif action in ("suspend", "reinstate"):
                flagger = self._flagger(options["flagger"])
                flagger.suspended_at = timezone.now() if action == "suspend" else None
                flagger.save(update_fields=["suspended_at"])
                self.stdout.write(f"{flagger}: {'suspended' if flagger.suspended_at else 'reinstated'}")
            else:
                for flagger in TrustedFlagger.objects.order_by("name", "id"):
                    r = flagger_record(flagger)
                    share = "-" if r["imprecise_share"] is None else f"{r['imprecise_share']:.0%}"
                    state = " (suspended)" if flagger.suspended_at else ""
                    self.stdout.write(
                        f"{flagger.pk}\t{flagger}{state}\tfiled {r['filed']}, upheld {r['upheld']}, not upheld "
                        f"{r['not_upheld']}, inadmissible {r['inadmissible']}, imprecise {share}"
                    )
        except DomainError as exc:
            raise CommandError(exc.message) from None
