"""Negotiation inside the case (协商): messages, a reviewer's questions, offers and agreed extensions.

While a case awaits the merchant, the two parties write to each other in the case and make offers: a
remedy (a refund, with an amount for a partial one; a return and refund; a replacement) or more days
for the merchant's answer. An offer the other side accepts is binding: a remedy resolves the case
through the same transition and remedy instruction as the merchant's acceptance
(`merchant_response.resolve_with_remedy`); an extension moves the merchant's deadline, within the
rulebook's [negotiation] max_extension_days over the case. Nothing else said in the thread moves a
deadline. Reviewers ask either party a question in the same thread; the parties may write while the
case is open (so they can answer in review too), offers only while it awaits the merchant.
Every message and offer is an event of the case's log; the merchant reads the reporter's words masked.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from plaint.accounts.models import DECIDING_ROLES, Role, User
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.rulebook import loader

from .. import clocks
from ..models import Case, CaseMessage, Offer, OfferKind, OfferState, ThreadParty
from ..notices import tell
from ..transitions import OPEN_STATES, State
from .common import _change, _locked, _record, _reporter_side, no_reporter
from .merchant_response import resolve_with_remedy

# Remedies an offer may name; "refund" with an amount is a partial refund.
OFFER_REMEDIES = ("refund", "return_and_refund", "replacement")
MONEY_REMEDIES = ("refund", "return_and_refund")
PARTY_NAMES = {
    ThreadParty.REPORTER: {"zh": "举报人", "en": "the reporter"},
    ThreadParty.MERCHANT: {"zh": "商家", "en": "the merchant"},
    ThreadParty.STAFF: {"zh": "审核员", "en": "a reviewer"},
}


def thread_party(actor: User, case: Case) -> str | None:
    """Return the side `actor` writes for in the case's thread (reporter, merchant, staff), or None."""
    if actor.role == Role.MERCHANT:
        return ThreadParty.MERCHANT if actor.merchant_id == case.merchant_id else None
    if actor.role in DECIDING_ROLES:
        return ThreadParty.STAFF
    if _reporter_side(actor, case):
        return ThreadParty.REPORTER
    return None


def _party(actor: User, case: Case, *, staff: bool = False) -> str:
    party = thread_party(actor, case)
    if party is None or (party == ThreadParty.STAFF and not staff):
        raise Forbidden(
            "not_a_party",
            "Only the reporter's side and the merchant negotiate in a case"
            + ("; reviewers may ask them questions." if staff else "."),
        )
    return party


def _other(party: str) -> dict[str, bool]:
    return {"reporter": party != ThreadParty.REPORTER, "merchant": party != ThreadParty.MERCHANT}


def _text(case: Case, text: str, field: str, *, required: bool) -> str:
    text = (text or "").strip()
    limit = loader.get(case.rulebook_version).intake.description_max_chars
    if required and not text:
        raise InvalidInput("empty_message", "Write the message.", field=field)
    if len(text) > limit:
        raise InvalidInput("message_too_long", f"A message may be at most {limit} characters.", field=field)
    return text


def _require_merchant_stage(case: Case, now: datetime) -> None:
    if case.state != State.AWAITING_MERCHANT:
        raise Refused(
            "negotiation_closed",
            f"The case is {case.state}; offers are made and accepted only while it awaits the merchant.",
            details={"state": case.state},
        )
    if case.response_due_at and now > case.response_due_at:
        raise Refused(
            "response_deadline_passed",
            f"The merchant's deadline passed at {timezone.localtime(case.response_due_at):%Y-%m-%d %H:%M}; "
            "the negotiation ended with it.",
        )


def post_message(
    actor: User, case: Case, text: str, *, addressed_to: str = "", now: datetime | None = None
) -> CaseMessage:
    """Write in the case's thread: a party's message, or a reviewer's question to one party (`addressed_to`)."""
    now = now or timezone.now()
    party = _party(actor, case, staff=True)
    if party == ThreadParty.STAFF and addressed_to not in (ThreadParty.REPORTER, ThreadParty.MERCHANT):
        raise InvalidInput(
            "addressed_to",
            "Say which party the question is for.",
            field="addressed_to",
            hint="addressed_to: reporter or merchant",
        )
    addressed_to = addressed_to if party == ThreadParty.STAFF else ""
    if addressed_to == ThreadParty.REPORTER and case.reporter_id is None:
        raise no_reporter(case)
    text = _text(case, text, "text", required=True)
    with transaction.atomic():
        case = _locked(case)
        if case.state not in OPEN_STATES:
            raise Refused("thread_closed", f"The case is {case.state}; its thread is closed.")
        message = CaseMessage.objects.create(
            case=case, author=actor, party=party, addressed_to=addressed_to, text=text, at=now
        )
        _record(
            case,
            "message_posted",
            actor,
            now,
            data={"message_id": message.pk, "party": party, "addressed_to": addressed_to, "text": text},
        )
        _change(case, now)
        told = {"reporter": addressed_to == "reporter", "merchant": addressed_to == "merchant"}
        tell(
            case,
            "thread_message",
            now,
            f"{case.reference}-message-{message.pk}",
            **(told if party == ThreadParty.STAFF else _other(party)),
            author=PARTY_NAMES[party],
        )
    return message


def extension_days_used(case: Case) -> int:
    """Return the days accepted extensions have added to the merchant's deadline of the case."""
    used = case.offers.filter(kind=OfferKind.EXTENSION, state=OfferState.ACCEPTED).aggregate(n=Sum("days"))["n"]
    return used or 0


def max_extension_days(case: Case) -> int:
    """Return the rulebook's bound on the days extensions may add to the case (0 in versions without one)."""
    negotiation = loader.get(case.rulebook_version).negotiation
    return negotiation.max_extension_days if negotiation else 0


def _amount(value: Decimal | str | None, case: Case) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput("amount", "The amount is not a number.", field="amount") from None
    order = case.report.order
    if amount <= 0:
        raise InvalidInput("amount", "The amount must be more than zero.", field="amount")
    if order is not None and amount > order.amount_paid:
        raise InvalidInput(
            "amount_above_paid",
            f"The amount is more than the {order.amount_paid} {order.currency} paid for the order.",
            field="amount",
            hint="Offer at most the amount paid; without an amount the whole order is refunded with its tariff.",
        )
    return amount


def offer_text(offer: Offer) -> dict[str, str]:
    """Return what an offer offers, in both languages (for the parties' messages)."""
    if offer.kind == OfferKind.EXTENSION:
        return {"zh": f"商家答复期限延长 {offer.days} 天", "en": f"{offer.days} more days for the merchant's answer"}
    title = loader.get(offer.case.rulebook_version).remedies[offer.remedy]
    if offer.amount is not None:
        return {"zh": f"{title.zh} {offer.amount}", "en": f"{title.en} of {offer.amount}"}
    return {"zh": title.zh, "en": title.en}


def _offer_data(offer: Offer) -> dict[str, object]:
    return {
        "offer_id": offer.pk,
        "kind": offer.kind,
        "party": offer.party,
        "remedy": offer.remedy,
        "amount": str(offer.amount) if offer.amount is not None else None,
        "days": offer.days,
        "note": offer.note,
    }


def make_offer(
    actor: User,
    case: Case,
    kind: str,
    *,
    remedy: str = "",
    amount: Decimal | str | None = None,
    days: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Offer:
    """Offer the other party a remedy, or more days for the merchant's answer, while the case awaits the merchant.

    A money remedy without an amount refunds the whole order with its tariff; with one, that amount.
    An extension needs the rulebook's [negotiation] and stays within its max_extension_days.
    """
    now = now or timezone.now()
    if case.reporter_id is None:
        # An investigation has no consumer to settle with: the merchant contests or rectifies.
        raise no_reporter(case)
    party = _party(actor, case)
    note = _text(case, note, "note", required=False)
    if kind == OfferKind.REMEDY:
        rulebook = loader.get(case.rulebook_version)
        allowed = [r for r in OFFER_REMEDIES if r in rulebook.remedies]
        if remedy not in allowed:
            raise InvalidInput(
                "remedy", f"{remedy!r} cannot be offered.", field="remedy", hint="Use one of: " + ", ".join(allowed)
            )
        if case.report.order_id is None:
            raise InvalidInput(
                "no_order", "A remedy is offered on a report about an order; this one is not.", field="remedy"
            )
        amount = _amount(amount, case) if remedy in MONEY_REMEDIES else None
        days = None
    elif kind == OfferKind.EXTENSION:
        if not isinstance(days, int) or days < 1:
            raise InvalidInput("days", "Give the number of days, 1 or more.", field="days")
        remedy, amount = "", None
    else:
        raise InvalidInput("kind", f"{kind!r} is not a kind of offer.", field="kind", hint="Use remedy or extension.")
    with transaction.atomic():
        case = _locked(case)
        _require_merchant_stage(case, now)
        if kind == OfferKind.EXTENSION:
            _check_extension(case, days)
        offer = Offer.objects.create(
            case=case,
            kind=kind,
            party=party,
            made_by=actor,
            made_at=now,
            remedy=remedy,
            amount=amount,
            days=days,
            note=note,
        )
        _record(case, "offer_made", actor, now, reason=note, data=_offer_data(offer))
        _change(case, now)
        tell(
            case,
            "offer_made",
            now,
            f"{case.reference}-offer-{offer.pk}",
            **_other(party),
            author=PARTY_NAMES[party],
            offer=offer_text(offer),
        )
    return offer


def _check_extension(case: Case, days: int) -> None:
    bound = max_extension_days(case)
    if bound == 0:
        raise Refused(
            "no_extension",
            f"Rulebook version {case.rulebook_version} allows no extension of the merchant's deadline.",
        )
    used = extension_days_used(case)
    if used + days > bound:
        raise InvalidInput(
            "extension_too_long",
            f"Extensions may add at most {bound} days to this case; {used} are used, so at most {bound - used} remain.",
            field="days",
            details={"max_extension_days": bound, "used": used},
        )


def _settle(actor: User, offer: Offer, now: datetime, *, maker: bool) -> tuple[Offer, Case, str]:
    """Lock the offer's case and the offer; check who settles it and that it is open. Return both and the party."""
    party = _party(actor, offer.case)
    if maker and party != offer.party:
        raise Forbidden("not_your_offer", "Only the side that made an offer can withdraw it.")
    if not maker and party == offer.party:
        raise Forbidden(
            "own_offer", "An offer is accepted or declined by the other side, not by the side that made it."
        )
    case = _locked(offer.case)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.state != OfferState.OPEN:
        raise Refused("offer_not_open", f"The offer was already {offer.state}.", details={"state": offer.state})
    return offer, case, party


def accept_offer(actor: User, offer: Offer, *, now: datetime | None = None) -> Offer:
    """Accept the other side's offer: a remedy resolves the case with it; an extension moves the merchant's deadline.

    Refused (409) once the case has left the merchant's stage or the merchant's deadline has passed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        offer, case, party = _settle(actor, offer, now, maker=False)
        _require_merchant_stage(case, now)
        if offer.kind == OfferKind.EXTENSION:
            _check_extension(case, offer.days)
        Offer.objects.filter(pk=offer.pk).update(state=OfferState.ACCEPTED, settled_by=actor, settled_at=now)
        offer.state, offer.settled_by, offer.settled_at = OfferState.ACCEPTED, actor, now
        data = _offer_data(offer)
        if offer.kind == OfferKind.REMEDY:
            _record(case, "offer_accepted", actor, now, data=data)
            resolve_with_remedy(
                case,
                actor,
                now,
                offer.remedy,
                offer.amount,
                reason=offer.note,
                data=data | {"by_offer": True},
                told="settled",
                offer_id=offer.pk,
                settled_by="negotiation",
            )
        else:
            due = clocks.extend(
                case,
                "merchant_response",
                timedelta(days=offer.days),
                now,
                f"extended by {offer.days} days as both parties agreed (offer {offer.pk})",
            )
            if due is None:
                raise Refused(
                    "no_running_deadline", "The merchant's deadline is not running; there is nothing to extend."
                )
            _record(case, "offer_accepted", actor, now, data=data | {"response_due_at": due.isoformat()})
            _change(case, now, response_due_at=due)
            tell(
                case,
                "offer_settled",
                now,
                f"{case.reference}-offer-{offer.pk}-accepted",
                **_other(party),
                offer=offer_text(offer),
                outcome={"zh": "接受", "en": "accepted"},
            )
    offer.case = case
    return offer


def decline_offer(actor: User, offer: Offer, *, note: str = "", now: datetime | None = None) -> Offer:
    """Decline the other side's open offer (logged; the maker is told)."""
    return _close(actor, offer, OfferState.DECLINED, note, now or timezone.now(), maker=False)


def withdraw_offer(actor: User, offer: Offer, *, now: datetime | None = None) -> Offer:
    """Withdraw one's own open offer before the other side accepts it."""
    return _close(actor, offer, OfferState.WITHDRAWN, "", now or timezone.now(), maker=True)


def _close(actor: User, offer: Offer, state: str, note: str, now: datetime, *, maker: bool) -> Offer:
    with transaction.atomic():
        offer, case, party = _settle(actor, offer, now, maker=maker)
        _require_merchant_stage(case, now)
        note = _text(case, note, "note", required=False)
        Offer.objects.filter(pk=offer.pk).update(state=state, settled_by=actor, settled_at=now)
        offer.state, offer.settled_by, offer.settled_at = state, actor, now
        _record(case, f"offer_{state}", actor, now, reason=note, data=_offer_data(offer))
        _change(case, now)
        if state == OfferState.DECLINED:
            tell(
                case,
                "offer_settled",
                now,
                f"{case.reference}-offer-{offer.pk}-declined",
                **_other(party),
                offer=offer_text(offer),
                outcome={"zh": "拒绝", "en": "declined"},
            )
    offer.case = case
    return offer
