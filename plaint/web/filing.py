"""What the consumer portal and the agent console share when a report is filed or evidence added."""

import math
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from plaint.cases import actions
from plaint.errors import InvalidInput
from plaint.evidence.actions import Upload
from plaint.evidence.inspection import as_file
from plaint.marketplace.models import Listing, Merchant, Order
from plaint.rulebook import evaluation
from plaint.rulebook.schema import Category, Rulebook
from plaint.storage import delete_folder, held_storage

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


def open_case_for(consumer_id: int, target: Target, category: str) -> str | None:
    """Return the reference of the consumer's open case about this target in this category, if any."""
    subject = {"order": target.order, "listing": target.listing}.get(target.type, target.merchant)
    return actions.open_case_of(actions.matter_of(consumer_id, target.type, subject.pk, category))


def category_preview(
    rulebook: Rulebook, category: Category, target: Target, now: datetime, consumer_id: int, case_url: str
) -> dict[str, Any]:
    """Return what a page shows about a category before the report is sent, for this target.

    The window, the date it closes for this order, whether the report would be accepted, and the
    evidence required and recommended — all from the rulebook's own evaluation, so the page says
    exactly what intake will decide. Evidence is not known yet, so "needs evidence" is not predicted.
    The consumer's open case of the same matter, if any, is named (with a link: `case_url` is the
    URL name of the case page), as intake would refuse a second one.
    """
    target_type, order = target.type, target.order
    open_case = open_case_for(consumer_id, target, category.code)
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
        "open_case": {"reference": open_case, "url": reverse(case_url, args=[open_case])} if open_case else None,
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
        uploads.append(Upload(name=upload.name or "upload", data=upload, kind=kind))
    return uploads


# Files of a form that could not be filed, kept for the next attempt: browsers cannot refill a file
# input, so without this a form error loses every file chosen. They wait in the held storage (MEDIA_ROOT or
# the bucket, plaint/storage.py) under held/<token>/, named only in the session that sent them and only
# for the consumer they were chosen for, for HELD_SECONDS. The token starts with the time it was made, so
# old files are found from their names alone; any web process can take them back.
HELD = "held-uploads"
HELD_SECONDS = 12 * 3600


def _held_folder(token: str) -> str:
    return f"held/{token}"


def _held_since(storage: Storage, token: str) -> float | None:
    """Return when the files under `token` were kept (epoch seconds), None if not known."""
    stamp = token.split(".", 1)[0]
    if stamp.isdigit():
        return float(stamp)
    try:
        # A folder from before tokens carried their time: only a local disk kept those.
        storage.path(_held_folder(token))
        return storage.get_modified_time(_held_folder(token)).timestamp()
    except (NotImplementedError, OSError):
        return None


def _forget_old_held(request: HttpRequest) -> None:
    """Drop this session's held files past their time, and any folder past it (a session that never came back)."""
    storage = held_storage()
    now = time.time()
    held = request.session.get(HELD, {})
    old = [token for token, entry in held.items() if now - entry["at"] > HELD_SECONDS]
    for token in old:
        delete_folder(storage, _held_folder(token))
        del held[token]
    if old:
        request.session[HELD] = held
    try:
        tokens, _ = storage.listdir("held")
    except FileNotFoundError:  # nothing was ever held here
        return
    for token in tokens:
        since = _held_since(storage, token)
        if since is not None and now - since > HELD_SECONDS:
            delete_folder(storage, _held_folder(token))


def hold_uploads(request: HttpRequest, uploads: list[Upload], consumer: str) -> dict[str, Any] | None:
    """Keep the files of a form that was not filed for `consumer`; return what the page shows, None if none.

    The page sends the token back as `held`, and `keep_held` for each file still wanted (`take_held`).
    """
    if not uploads:
        return None
    _forget_old_held(request)
    storage = held_storage()
    now = time.time()
    token = f"{int(now)}.{secrets.token_urlsafe(16)}"
    files = []
    for index, upload in enumerate(uploads):
        content = as_file(upload.data)
        content.seek(0)
        storage.save(f"{_held_folder(token)}/{index}", File(content, name=str(index)))
        files.append({"index": index, "name": upload.name, "kind": upload.kind})
    entry = {"at": now, "consumer": consumer, "files": files}
    request.session[HELD] = request.session.get(HELD, {}) | {token: entry}
    return {"token": token, "files": files}


def take_held(request: HttpRequest, consumer: str) -> list[Upload]:
    """Return the held files the form still wants (`held`, `keep_held`) and forget the rest.

    Only a token of this session's, held for this consumer, is honoured: nobody gets another's files.
    Raises InvalidInput when the files wanted are no longer kept (past HELD_SECONDS): they must be
    chosen again, rather than the report going without them.
    """
    token = request.POST.get("held", "")
    held = request.session.get(HELD, {})
    entry = held.get(token)
    if entry is None or entry.get("consumer") != consumer:
        return []
    del held[token]
    request.session[HELD] = held
    keep = set(request.POST.getlist("keep_held"))
    wanted = [f for f in entry["files"] if str(f["index"]) in keep]
    storage = held_storage()
    folder = _held_folder(token)
    try:
        uploads = [
            Upload(name=f["name"], data=_read(storage, f"{folder}/{f['index']}"), kind=f["kind"]) for f in wanted
        ]
    except FileNotFoundError:
        raise InvalidInput(
            "held_files_gone",
            "The files kept from the last attempt are no longer kept.",
            field="evidence",
            hint="Choose the files again.",
        ) from None
    finally:
        delete_folder(storage, folder)
    return uploads


def _read(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as stored:
        return stored.read()


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
    """Return (kind, title) of every evidence kind, the category's required and recommended first.

    A trusted flagger's own kinds ([trusted_flaggers]) are left out: the pages are not where flaggers file.
    """
    first: list[str] = []
    if category is not None:
        first = list(category.required_evidence) + [
            k for k in category.recommended_evidence if k not in category.required_evidence
        ]
    own = rulebook.flagger_kinds()
    rest = [k for k in rulebook.evidence_kinds if k not in first and k not in own]
    return [(k, pick(rulebook.evidence_kinds[k])) for k in first + rest]
