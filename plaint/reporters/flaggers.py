"""Trusted flaggers (EU DSA art. 22): registering an organisation, its accounts and tokens, its record."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from plaint.accounts.models import ApiToken, Role, User
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.marketplace.models import Consumer
from plaint.rulebook.schema import Category, Rulebook

from .models import FlaggerKind, TrustedFlagger


def register_flagger(
    name: str, kind: str, *, contact_email: str = "", by: User | None = None, now: datetime | None = None
) -> TrustedFlagger:
    """Register an organisation as a trusted flagger, with the reporter row its reports are filed as."""
    now = now or timezone.now()
    name = name.strip()
    if not name:
        raise InvalidInput("name_required", "Give the organisation's name.", field="name")
    if kind not in FlaggerKind.values:
        raise InvalidInput("kind", f"The kind is one of {', '.join(FlaggerKind.values)}.", field="kind")
    with transaction.atomic():
        # The reporter row is named for the organisation; its id is fixed once the flagger's is known.
        consumer = Consumer.objects.create(
            external_id=f"flagger-pending-{now.timestamp()}-{name[:20]}",
            name=name,
            email=contact_email,
            language="zh-hans",
        )
        flagger = TrustedFlagger.objects.create(
            name=name, kind=kind, contact_email=contact_email, consumer=consumer, registered_by=by, registered_at=now
        )
        consumer.external_id = f"flagger-{flagger.pk}"
        consumer.save(update_fields=["external_id"])
    return flagger


def add_account(flagger: TrustedFlagger, username: str, *, token_name: str = "") -> tuple[User, str]:
    """Make an account of the flagger (role trusted_flagger) and return it with its API token, shown once."""
    if User.objects.filter(username=username).exists():
        raise Refused("username_taken", f"There is already an account {username!r}.")
    with transaction.atomic():
        user = User.objects.create_user(username=username, role=Role.TRUSTED_FLAGGER, flagger=flagger)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        _token, key = ApiToken.issue(user, name=token_name or f"{flagger.name} filing")
    return user, key


def flagger_of(actor: User) -> TrustedFlagger:
    """Return the organisation a trusted flagger's account files for; refuse one without, or a suspended one."""
    flagger = actor.flagger
    if flagger is None:
        raise Forbidden("no_flagger", "This account is not linked to a trusted flagger organisation.")
    if flagger.suspended_at is not None:
        raise Forbidden(
            "flagger_suspended",
            f"The trusted flagger status of {flagger.name} is suspended (DSA art. 22(6)); its accounts cannot file.",
            hint="Ask the platform's administrators why, and how to be reinstated.",
        )
    return flagger


def check_flagger_evidence(rulebook: Rulebook, category: Category, kinds: set[str], *, flagger: bool) -> None:
    """Refuse (422) a trusted flagger's own evidence kind from anyone else, or for a category it does not apply to."""
    own = rulebook.flagger_kinds()
    for kind in sorted(kinds & set(own)):
        if not flagger:
            raise InvalidInput(
                "flagger_evidence_kind",
                f"{kind!r} is evidence only a trusted flagger files ([trusted_flaggers] of rulebook version "
                f"{rulebook.version}).",
                field="evidence",
                hint="Send the file as another kind, such as 'inspection_report' or 'other'.",
            )
        if category.code not in own[kind]:
            raise InvalidInput(
                "flagger_evidence_category",
                f"{kind!r} is evidence for {', '.join(own[kind])} reports, not '{category.code}'.",
                field="evidence",
                hint="Choose the category it applies to, or send the file as another kind.",
            )


def flagger_record(flagger: TrustedFlagger) -> dict[str, Any]:
    """Return a flagger's record: the reporter's record of its cases and the share of its notices that failed.

    `imprecise_share` is the notices decided not upheld or declared inadmissible, out of all those
    decided or declared inadmissible: the figure DSA art. 22(6) asks the platform to watch. None before
    any notice is decided.
    """
    from plaint.cases.reading import reporter_record

    record = reporter_record(flagger.consumer_id)
    settled = record["upheld"] + record["not_upheld"] + record["inadmissible"]
    failed = record["not_upheld"] + record["inadmissible"]
    return record | {"imprecise_share": round(failed / settled, 4) if settled else None}
