"""A consumer's copy of everything Plaint holds about them (PIPL art. 45): data.json and their own evidence files.

Each case is written as its reporter reads it (cases/reading.py `describe_case`), so the copy holds no
more of other people than the case page shows them: the merchant as a shop, staff by role.
The ZIP is written to a temporary file (in memory up to 16 MiB, on disk past it) and streamed from it.
"""

import json
import tempfile
import zipfile
from datetime import datetime
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.cases.models import Case
from plaint.cases.reading import describe_case
from plaint.errors import Forbidden
from plaint.evidence.downloads import file_name
from plaint.evidence.models import Evidence, Party
from plaint.marketplace.models import Consumer, Order

from .models import ErasureRequest

FORMAT = "plaint-personal-data-1"
DATA = "data.json"


def consumer_of(user: User) -> Consumer:
    """Return the consumer the account speaks for; Forbidden for any other account."""
    if user.role != Role.CONSUMER or user.consumer_id is None:
        raise Forbidden(
            "consumers_only",
            "Only a consumer's own account can download or erase a consumer's data.",
            hint="Sign in with the consumer's account. Staff answer such requests through it, not for it.",
        )
    return user.consumer


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def personal_data(user: User, language: str = "zh-hans", now: datetime | None = None) -> dict[str, Any]:
    """Return everything Plaint holds about the consumer `user` speaks for, as the reporter reads it."""
    now = now or timezone.now()
    consumer = consumer_of(user)
    cases = Case.objects.filter(reporter=consumer).select_related("report", "merchant").order_by("opened_at", "pk")
    case_items = []
    for case in cases:
        item = describe_case(case, user, language=language, now=now)
        # What the page offers to do now is not data about the person.
        item.pop("allowed_actions", None)
        item["upload_links"] = [
            {
                "channel": link.channel,
                "recipient": link.recipient,
                "sent_at": _iso(link.sent_at),
                "expires_at": _iso(link.expires_at),
                "used_at": _iso(link.used_at),
            }
            for link in case.upload_links.order_by("sent_at", "pk")
        ]
        case_items.append(item)
    orders = Order.objects.filter(consumer=consumer, pk__in=cases.values("report__order")).order_by("paid_at")
    return {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "profile": {
            "id": consumer.external_id,
            "name": consumer.name,
            "email": consumer.email,
            "email_verified": consumer.email_verified,
            "phone": consumer.phone,
            "language": consumer.language,
            "known_since": _iso(consumer.created_at),
        },
        "account": {
            "username": user.username,
            "email": user.email,
            "language": user.language,
            "joined_at": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "orders": [
            {
                "id": o.external_id,
                "currency": o.currency,
                "amount_paid": str(o.amount_paid),
                "paid_at": _iso(o.paid_at),
                "delivered_at": _iso(o.delivered_at),
            }
            for o in orders
        ],
        "cases": case_items,
        "notifications": [
            {
                "case": n.case_reference,
                "event": n.event,
                "title": n.text(language)[0],
                "body": n.text(language)[1],
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in user.notifications.order_by("created_at", "pk")
        ],
        "erasure_requests": [
            {"requested_at": _iso(r.requested_at), "answered_at": _iso(r.answered_at), "answer": r.answer}
            for r in ErasureRequest.objects.filter(consumer=consumer).order_by("requested_at", "pk")
        ],
        # Plaint asks for no consent: it handles a complaint the consumer made, to decide it (PIPL art. 13 (2), (3)).
        "consents": [],
    }


def own_evidence(consumer: Consumer) -> list[Evidence]:
    """Return the evidence the consumer's side sent in their cases that still has its file, oldest first."""
    return list(
        Evidence.objects.filter(case__reporter=consumer, party=Party.REPORTER)
        .exclude(file="")
        .select_related("case")
        .order_by("uploaded_at", "pk")
    )


def build_zip(user: User, language: str = "zh-hans", now: datetime | None = None) -> IO[bytes]:
    """Return the ZIP (a file positioned at its start): data.json, and evidence/<case>/<nn>-<name> originals."""
    data = personal_data(user, language, now)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    files = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, evidence in enumerate(own_evidence(user.consumer), start=1):
            name = file_name(evidence.original_name, evidence.content_type, f"evidence-{evidence.pk}")
            path = f"evidence/{evidence.case.reference}/{number:03d}-{name}"
            with evidence.file.open("rb") as stored, archive.open(path, "w", force_zip64=True) as entry:
                while chunk := stored.read(1024 * 1024):
                    entry.write(chunk)
            files.append(
                {"path": path, "case": evidence.case.reference, "evidence_id": evidence.pk, "sha256": evidence.sha256}
            )
        data["files"] = files
        archive.writestr(DATA, json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
    out.seek(0)
    return out


def download_name(user: User, now: datetime | None = None) -> str:
    return f"plaint-my-data-{(now or timezone.now()):%Y%m%d}.zip"
