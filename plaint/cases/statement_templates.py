"""Statement templates: reusable wording a reviewer starts a statement of reasons from, then edits.

Templates are operational text (StatementTemplate rows staff keep in the Django admin), never policy:
the outcome, reason codes, points and remedy come from the decision form and the rulebook.
"""

import re

from django.utils import timezone

from plaint.rulebook import loader

from .models import Case, StatementTemplate

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def templates_for(category: str, language: str) -> list[StatementTemplate]:
    """Return the templates of a category in a language ("zh-hans" or "en"), oldest first.

    The oldest is the form's default: the category's own wording, written before any generic one
    (insufficient evidence) and before later variants. Falls back to the category's templates in
    any language when none is written in this one.
    """
    found = list(StatementTemplate.objects.filter(category=category, language=language).order_by("id"))
    return found or list(StatementTemplate.objects.filter(category=category).order_by("language", "id"))


def values_for(case: Case, language: str) -> dict[str, str]:
    """Return what each placeholder stands for in this case, in `language`."""
    zh = not language.startswith("en")
    report = case.report
    order = report.order
    category = loader.get(case.rulebook_version).category(case.category)
    title = (category.title.zh if zh else category.title.en) if category else case.category
    listing = report.listing.title if report.listing_id else ""
    if not listing and order is not None:
        listing = "; ".join(order.items.values_list("title", flat=True)[:3])
    delivered = order.delivered_at if order is not None else None
    return {
        "order": order.external_id if order is not None else "—",
        "category": title,
        "rule_version": case.rulebook_version,
        "merchant": case.merchant.name,
        "listing": listing or "—",
        "delivered": f"{timezone.localtime(delivered):%Y-%m-%d}" if delivered else "—",
        "reference": case.reference,
    }


def fill(body: str, values: dict[str, str]) -> str:
    """Return `body` with each {placeholder} replaced; unknown placeholders stay as written.

    A plain substitution, not str.format: a template cannot reach attributes or break on stray braces.
    """
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)
