"""What the consumer portal and the agent console share when a report is filed or evidence added."""

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from plaint.evidence.actions import Upload
from plaint.marketplace.models import Listing, Merchant, Order
from plaint.rulebook import evaluation
from plaint.rulebook.schema import Category, Rulebook

from .common import pick


@dataclass(frozen=True)
class Target:
    """What a report is about, as picked on a page."""

    type: str  # order, listing or merchant
    id: str  # the marketplace's id
    order: Order | None = None
    listing: Listing | None = None
    merchant: Merchant | None = None

    @property
    def value(self) -> str:
        return f"{self.type}:{self.id}"


def parse_target(value: str) -> tuple[str, str] | None:
    """Return (type, id) from a form value such as "order:O-2026-1001"; None if it is not one."""
    kind, _, ident = (value or "").partition(":")
    if kind not in ("order", "listing", "merchant") or not ident or len(ident) > 64:
        return None
    return kind, ident


# How many of a consumer's latest orders the filing pages offer (the full order list is the marketplace's).
ORDERS_SHOWN = 30


def targets_for(consumer_id: int | None) -> list[Target]:
    """Return what a consumer can report: their latest orders, then the listings and shops in them."""
    if consumer_id is None:
        return []
    orders = list(
        Order.objects.filter(consumer_id=consumer_id)
        .select_related("merchant")
        .prefetch_related("items__listing")
        .order_by("-paid_at", "-id")[:ORDERS_SHOWN]
    )
    targets = [Target("order", o.external_id, order=o, merchant=o.merchant) for o in orders]
    seen: set[tuple[str, str]] = set()
    for order in orders:
        for item in order.items.all():
            if item.listing_id and ("listing", item.listing.external_id) not in seen:
                seen.add(("listing", item.listing.external_id))
                targets.append(
                    Target("listing", item.listing.external_id, listing=item.listing, merchant=order.merchant)
                )
    for order in orders:
        if ("merchant", order.merchant.external_id) not in seen:
            seen.add(("merchant", order.merchant.external_id))
            targets.append(Target("merchant", order.merchant.external_id, merchant=order.merchant))
    return targets


def find_target(consumer_id: int | None, value: str) -> Target | None:
    """Return the consumer's target named by a form value such as "order:O-1", or None."""
    parsed = parse_target(value)
    if parsed is None:
        return None
    return next((t for t in targets_for(consumer_id) if (t.type, t.id) == parsed), None)


def category_preview(
    rulebook: Rulebook, category: Category, target_type: str, order: Order | None, now: datetime
) -> dict[str, Any]:
    """Return what a page shows about a category before the report is sent, for this target.

    The window, the date it closes for this order, whether the report would be accepted, and the
    evidence required and recommended — all from the rulebook's own evaluation, so the page says
    exactly what intake will decide. Evidence is not known yet, so "needs evidence" is not predicted.
    """
    delivered = timezone.localtime(order.delivered_at) if order and order.delivered_at else None
    local_now = timezone.localtime(now)
    assessment = evaluation.assess(
        rulebook, category, target_type, delivered, local_now, set(category.required_evidence)
    )
    closes = evaluation.window_closes_at(category, delivered) if target_type == "order" else None
    return {
        "category": category,
        "title": pick(category.title),
        "applies": target_type in category.targets,
        "timed": target_type == "order",
        "window_days": category.window_days,
        "delivered_at": delivered,
        "closes_at": closes,
        # Started days count: with 12 hours to go, "1 day left", never "0 days left".
        "days_left": math.ceil((closes - local_now).total_seconds() / 86400)
        if closes and closes >= local_now
        else None,
        "window_open": closes is None or local_now <= closes,
        "outcome": assessment.outcome,
        "explanation": pick(assessment.explanation),
        "alternatives": [pick(a) for a in assessment.alternatives],
        "required": [(k, pick(rulebook.evidence_kinds[k])) for k in category.required_evidence],
        "recommended": [(k, pick(rulebook.evidence_kinds[k])) for k in category.recommended_evidence],
        "remedies": [(r, pick(rulebook.remedies[r])) for r in category.remedies],
        "response_days": category.response_days,
    }


def uploads_from(request: HttpRequest, *, default_kind: str = "other") -> list[Upload]:
    """Return the `evidence` files of a page's form, each with its `evidence_kind` (same order).

    Pages without script send one `evidence_kind_all` for every file; a missing kind falls back to it.
    """
    files = request.FILES.getlist("evidence")
    kinds = request.POST.getlist("evidence_kind")
    fallback = request.POST.get("evidence_kind_all") or default_kind
    uploads = []
    for index, upload in enumerate(files):
        kind = kinds[index] if index < len(kinds) and kinds[index] else fallback
        uploads.append(Upload(name=upload.name or "upload", data=upload.read(), kind=kind))
    return uploads


def transcript_upload(text: str, reference: str) -> Upload | None:
    """Return a pasted chat transcript as a plain-text evidence file (UTF-8), or None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    # The reference is typed by the agent: keep a file name of plain characters.
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", reference or "").strip("-")[:60] or "chat"
    name = f"transcript-{safe}.txt"
    return Upload(name=name, data=text.encode("utf-8") + b"\n", kind="chat_log")


def evidence_choices(rulebook: Rulebook, category: Category | None = None) -> list[tuple[str, str]]:
    """Return (kind, title) of every evidence kind, the category's required and recommended first."""
    first: list[str] = []
    if category is not None:
        first = list(category.required_evidence) + [
            k for k in category.recommended_evidence if k not in category.required_evidence
        ]
    rest = [k for k in rulebook.evidence_kinds if k not in first]
    return [(k, pick(rulebook.evidence_kinds[k])) for k in first + rest]
