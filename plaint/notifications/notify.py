"""Telling people of a step: one call queues the e-mail and writes the portal notifications.

Both are written in the caller's transaction, so a step that commits has told everyone it concerns,
and a step that rolls back has told no one.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from plaint.db import current

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
    # Where answers to this audience's e-mail go (its own case address); "" for the From address.
    reply_to: str = ""


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
        reply = audience.reply_to or reply_to
        enqueue_email(audience.email, subject, body, f"case.{event}", mail_key, now, reply_to=reply)
        _portal(mail_key, event, rendered, audience, case_reference, now, fields)


def _portal(
    key: str,
    event: str,
    rendered: dict[str, tuple[str, str]],
    audience: Audience,
    case_reference: str,
    now: datetime,
    fields: dict[str, str | dict[str, str]],
) -> int:
    """Write the notification for each matching account in its language; return how many were new.

    The title and body are written in the account's language of the moment, and the event's `fields`
    with them, so the notification is read in the reader's language of the moment it is read.

    One INSERT ... SELECT over the accounts, so telling a merchant with many staff is one statement.
    """
    # The columns are plain SQL, because compiling them as ORM expressions cost more than the rest of
    # filing a report (this runs on every step).
    connection = current()
    accounts, params = _accounts(audience.accounts)
    table = Notification._meta.db_table
    title_zh, body_zh = rendered["zh"]
    title_en, body_en = rendered["en"]
    # WHERE 1 = 1: SQLite reads ON after a bare INSERT ... SELECT ... FROM as a join's ON.
    sql = (
        f"INSERT INTO {table} (user_id, {connection.ops.quote_name('key')}, case_reference, event, title, body, "
        "params, link, created_at) "
        "SELECT a.id, %s || CAST(a.id AS VARCHAR(20)), %s, %s, "
        "CASE WHEN a.language LIKE %s THEN %s ELSE %s END, CASE WHEN a.language LIKE %s THEN %s ELSE %s END, "
        f"%s, %s, %s FROM ({accounts}) a WHERE 1 = 1 ON CONFLICT ({connection.ops.quote_name('key')}) DO NOTHING"
    )
    at = connection.ops.adapt_datetimefield_value(now)  # as the ORM would store it on this database
    stored_fields = Notification._meta.get_field("params").get_db_prep_save(fields, connection)
    columns = [
        f"{key}:",
        case_reference,
        event,
        "en%",
        title_en,
        title_zh,
        "en%",
        body_en,
        body_zh,
        stored_fields,
        audience.path,
        at,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*columns, *params])
        return max(cursor.rowcount, 0)


def _accounts(accounts: Q) -> tuple[str, list]:
    """Return the SQL and parameters selecting (id, language) of the active accounts `accounts` names.

    Field = value conditions joined by AND (every audience `tell` makes) are written directly, as the
    ORM's query building costs about as much as the insert itself; anything else goes through the ORM.
    """
    user = get_user_model()
    quote = current().ops.quote_name
    conditions, params = [], []
    if accounts.connector == Q.AND and not accounts.negated:
        for child in accounts.children:
            name, value = child if isinstance(child, tuple) else ("", None)
            try:
                field = user._meta.pk if name == "pk" else user._meta.get_field(name)
            except FieldDoesNotExist:  # a lookup such as role__in, or a nested Q
                break
            # Only a column compared with a plain value: not a relation by instance, not None.
            if not field.concrete or isinstance(value, bool) or not isinstance(value, int | str):
                break
            conditions.append(f"{quote(field.column)} = %s")
            params.append(field.get_prep_value(value))
        else:
            active = quote(user._meta.get_field("is_active").column)
            where = " AND ".join([f"{active} = %s", *conditions])
            return f"SELECT id, language FROM {user._meta.db_table} WHERE {where}", [True, *params]
    query = user.objects.filter(accounts, is_active=True).values_list("id", "language").query
    return query.sql_with_params()
