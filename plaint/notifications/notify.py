"""Telling people of a step: one call queues the e-mail and writes the portal notifications.

Both are written in the caller's transaction, so a step that commits has told everyone it concerns,
and a step that rolls back has told no one.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case as Choose
from django.db.models import CharField, DateTimeField, F, Q, Value, When
from django.db.models.functions import Cast, Concat

from . import emails
from .models import Notification
from .outbox import enqueue_email


@dataclass(frozen=True)
class Audience:
    """One side told of a step: an e-mail address and the portal accounts that speak for it.

    `name` is part of the keys ("reporter", "merchant", "staff-7"), so each side hears of a step once.
    `accounts` selects active users; `path` is this side's page about the case.
    """

    name: str
    email: str
    language: str  # the e-mail's: "zh-hans", "en" or "bilingual"
    accounts: Q
    path: str


def notify(
    event: str,
    key: str,
    audiences: list[Audience],
    now: datetime,
    *,
    case_reference: str = "",
    reply_to: str = "",
    **fields: str | dict[str, str],
) -> None:
    """Tell every audience of a step: queue its e-mail and write one portal notification per account.

    Call it inside the transaction of the change. Keys make it idempotent: the same `key` again tells
    nobody twice. An audience without an address gets no e-mail; one without accounts no notification.
    """
    rendered = emails.render(event, **fields)
    for audience in audiences:
        mail_key = f"mail-{key}-{audience.name}"
        subject, body = emails.email(rendered, audience.language, audience.path)
        enqueue_email(audience.email, subject, body, f"case.{event}", mail_key, now, reply_to=reply_to)
        _portal(mail_key, event, rendered, audience, case_reference, now)


def _portal(
    key: str,
    event: str,
    rendered: dict[str, tuple[str, str]],
    audience: Audience,
    case_reference: str,
    now: datetime,
) -> int:
    """Write the notification for each matching account in its language; return how many were new.

    One INSERT ... SELECT over the accounts, so telling a merchant with many staff is one statement.
    """
    text = CharField()

    def by_language(index: int) -> Choose:
        return Choose(
            When(language__startswith="en", then=Value(rendered["en"][index], output_field=text)),
            default=Value(rendered["zh"][index], output_field=text),
            output_field=text,
        )

    # Every column an annotation, in the table's column order below, so the SELECT lines up with it.
    columns = {
        "user_id": F("id"),
        "key": Concat(Value(f"{key}:"), Cast("id", output_field=text), output_field=text),
        "case_reference": Value(case_reference, output_field=text),
        "event": Value(event, output_field=text),
        "title": by_language(0),
        "body": by_language(1),
        "link": Value(audience.path, output_field=text),
        "created_at": Value(now, output_field=DateTimeField()),
    }
    accounts = (
        get_user_model()
        .objects.filter(audience.accounts, is_active=True)
        .annotate(**{f"n_{name}": expression for name, expression in columns.items()})
        .values_list(*(f"n_{name}" for name in columns))
    )
    select, params = accounts.query.sql_with_params()
    table = Notification._meta.db_table
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {select} ON CONFLICT (key) DO NOTHING", params)
        return max(cursor.rowcount, 0)
