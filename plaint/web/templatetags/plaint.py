"""Template filters for Plaint's pages: two-language texts, ISO dates, money, case words."""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import formats, numberformat

from plaint.web import common

register = template.Library()


@register.filter
def pick(text: Any) -> str:
    """{{ category.title|pick }}: the active language's side of a {"zh", "en"} text."""
    return common.pick(text)


@register.filter
def when(value: str | datetime | None) -> datetime | None:
    """{{ case.deadlines.response_due_at|when|date:"DATETIME_FORMAT" }}: an ISO string as a datetime."""
    return common.when(value)


@register.filter
def money(amount: Any, currency: str = "CNY") -> str:
    """{{ order.amount_paid|money:order.currency }}: ¥1,234.00 in Chinese, CNY 1,234.00 in English."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    # Grouped by thousands in both languages (Django's zh_Hans formats leave grouping off).
    number = numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=2,
        grouping=3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR") or ",",
        force_grouping=True,
    )
    currency = (currency or "CNY").upper()
    if currency == "CNY" and common.lang() == "zh":
        return f"¥{number}"
    return f"{currency} {number}"


@register.filter
def event_sentence(event: dict) -> str:
    """{{ event|event_sentence }}: a timeline event in one plain sentence."""
    return common.event_sentence(event)


@register.filter
def state_name(state: str) -> str:
    return str(common.STATE_NAMES.get(state, state))


@register.filter
def channel_name(channel: str) -> str:
    return str(common.CHANNEL_NAMES.get(channel, channel))


@register.filter
def role_name(role: str) -> str:
    return str(common.ROLE_NAMES.get(role, role))


@register.filter
def remedy_name(kind: str, version: str | None = None) -> str:
    """Return a remedy's name (refund, replacement, …) in the page's language, from the case's rulebook."""
    return common.remedy_name(kind, version)


@register.filter
def item(mapping: dict | None, key: str) -> Any:
    """Return mapping[key], or None when the mapping is missing or has no such key."""
    return (mapping or {}).get(key)


@register.filter
def clock(seconds: float | None) -> str:
    """{{ e.duration|clock }}: a video's length as minutes and seconds, 2.5 -> "0:03", 75 -> "1:15"."""
    if seconds is None:
        return ""
    total = round(float(seconds))
    return f"{total // 60}:{total % 60:02d}"
