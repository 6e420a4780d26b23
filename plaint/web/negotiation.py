"""The negotiation thread (协商) on every case page, and its forms: message, offer, accept/decline/withdraw.

One set of views for every portal: each change goes through `plaint.cases.actions` with the signed-in
person as the actor (so the pages have the API's permissions) and returns to that person's case page.
Refusals are shown on the case page; a case the person cannot see is a 404.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.actions.negotiation import thread_party
from plaint.cases.models import Case, Offer
from plaint.errors import DomainError
from plaint.rulebook import loader

from .common import apply_domain_error, case_or_404, pick, role_required

CASE_PAGES = {
    Role.CONSUMER: "consumer-case",
    Role.MERCHANT: "merchant-case",
    Role.AGENT: "agent-case",
    Role.REVIEWER: "review-case",
    Role.SUPERVISOR: "review-case",
}
THREAD_ROLES = tuple(CASE_PAGES)
PARTY_NAMES = {
    "reporter": gettext_lazy("The reporter"),
    "merchant": gettext_lazy("The merchant"),
    "staff": gettext_lazy("A reviewer"),
}
OFFER_STATES = {
    "open": gettext_lazy("open"),
    "accepted": gettext_lazy("accepted"),
    "declined": gettext_lazy("declined"),
    "withdrawn": gettext_lazy("withdrawn"),
    "lapsed": gettext_lazy("lapsed: the case left the merchant's stage"),
}
REMEDIES = ("refund", "return_and_refund", "replacement")


def _who(party: str, mine: str | None) -> str:
    return _("You") if party == mine and party != "staff" else str(PARTY_NAMES[party])


def thread_context(request: HttpRequest, case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """Return the thread as the case page shows it: messages and offers in order, and which forms to offer."""
    rulebook = loader.get(case.rulebook_version)
    thread = data["thread"]
    mine = thread_party(request.user, case)
    currency = data["order"]["currency"] if data.get("order") else "CNY"
    items: list[dict[str, Any]] = []
    for m in thread["messages"]:
        to = f" → {PARTY_NAMES[m['addressed_to']]}" if m["addressed_to"] else ""
        items.append({"type": "message", "at": m["at"], "who": _who(m["party"], mine) + to, "item": m})
    for o in thread["offers"]:
        if o["kind"] == "extension":
            title = _("%(days)s more days for the merchant's answer") % {"days": o["days"]}
        else:
            title = pick(rulebook.remedies.get(o["remedy"])) or o["remedy"]
        open_ = o["state"] == "open"
        items.append(
            {
                "type": "offer",
                "at": o["made_at"],
                "who": _who(o["party"], mine),
                "item": o,
                "title": title,
                "currency": currency,
                "state_title": OFFER_STATES.get(o["state"], o["state"]),
                "can_settle": open_ and mine in ("reporter", "merchant") and mine != o["party"],
                "can_withdraw": open_ and mine == o["party"],
            }
        )
    items.sort(key=lambda i: i["at"])
    allowed = data["allowed_actions"]
    return {
        "thread": thread,
        "thread_items": items,
        "thread_can_write": "message" in allowed,
        "thread_can_offer": "offer" in allowed,
        "thread_can_ask": "ask" in allowed,
        "thread_remedies": [(r, pick(rulebook.remedies[r])) for r in REMEDIES if r in rulebook.remedies],
        "thread_extension_left": thread["max_extension_days"] - thread["extension_days_used"],
    }


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    return redirect(reverse(CASE_PAGES[request.user.role], args=[case.reference]) + "#thread")


@require_POST
@role_required(*THREAD_ROLES)
def post_message(request: HttpRequest, reference: str) -> HttpResponse:
    """Write in the case's thread (a reviewer: a question to the party chosen)."""
    case = case_or_404(request, reference)
    try:
        actions.post_message(
            request.user, case, request.POST.get("text", ""), addressed_to=request.POST.get("addressed_to", "")
        )
    except DomainError as exc:
        apply_domain_error(None, exc, request)
    else:
        messages.success(request, _("Your message was added to the case."))
    return _back(request, case)


@require_POST
@role_required(*THREAD_ROLES)
def make_offer(request: HttpRequest, reference: str) -> HttpResponse:
    """Make the other party an offer: a remedy (a partial refund with its amount) or more days."""
    case = case_or_404(request, reference)
    post = request.POST
    kind = "extension" if post.get("offer") == "extension" else "remedy"
    try:
        days = int(post.get("days") or 0) if kind == "extension" else None
    except ValueError:
        days = 0
    amount: Decimal | str | None = (post.get("amount") or "").strip() or None
    if amount is not None:
        try:
            amount = Decimal(amount)
        except InvalidOperation:
            pass  # the action says what is wrong with it
    try:
        actions.make_offer(
            request.user,
            case,
            kind,
            remedy="" if kind == "extension" else post.get("offer", ""),
            amount=amount,
            days=days,
            note=post.get("note", ""),
        )
    except DomainError as exc:
        apply_domain_error(None, exc, request)
    else:
        messages.success(request, _("Your offer was sent. The other side can accept or decline it."))
    return _back(request, case)


@require_POST
@role_required(*THREAD_ROLES)
def settle_offer(request: HttpRequest, offer_id: int, act: str) -> HttpResponse:
    """Accept or decline the other side's offer, or withdraw one's own."""
    offer = Offer.objects.filter(pk=offer_id).select_related("case").first()
    if offer is None or act not in ("accept", "decline", "withdraw"):
        raise Http404(str(offer_id))
    offer.case = case_or_404(request, offer.case.reference)
    try:
        if act == "accept":
            offer = actions.accept_offer(request.user, offer)
        elif act == "decline":
            actions.decline_offer(request.user, offer, note=request.POST.get("note", ""))
        else:
            actions.withdraw_offer(request.user, offer)
    except DomainError as exc:
        apply_domain_error(None, exc, request)
    else:
        done = {
            "accept": _("You accepted the offer."),
            "decline": _("You declined the offer."),
            "withdraw": _("You withdrew your offer."),
        }
        messages.success(request, done[act])
    return _back(request, offer.case)
