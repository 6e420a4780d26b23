"""Negotiation inside a case (协商): the thread's messages and offers; the agent's upload link.

Every operation goes through `plaint.cases.actions` with the caller as the actor; a case the caller
cannot see is 404, as is an offer on such a case.
"""

from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from plaint.cases import actions
from plaint.cases.access import get_case, side_of
from plaint.cases.models import Offer
from plaint.cases.reading import message_item, offer_item, thread
from plaint.errors import NotFound
from plaint.limits import RowId

from ..schemas import ERRORS

router = Router()


class MessageIn(Schema):
    text: str = Field(description="The message; a reviewer's question to a party")
    addressed_to: Literal["reporter", "merchant"] | None = Field(
        None, description="Reviewers and supervisors: the party the question is for (required for them)"
    )


class MessageOut(Schema):
    id: int
    party: str = Field(description="reporter, merchant or staff (a reviewer's question)")
    addressed_to: str | None
    text: str = Field(description="The reporter's words are masked for the merchant")
    at: str


class OfferIn(Schema):
    kind: Literal["remedy", "extension"]
    remedy: Literal["refund", "return_and_refund", "replacement"] | None = Field(
        None, description="For kind remedy; refund with an amount is a partial refund"
    )
    amount: Decimal | None = Field(None, description="For a money remedy; without it the whole order and its tariff")
    days: int | None = Field(None, description="For kind extension: calendar days added to the merchant's deadline")
    note: str = ""


class OfferOut(Schema):
    id: int
    kind: str
    party: str
    remedy: str | None
    amount: str | None
    days: int | None
    note: str
    state: str = Field(
        description="open, accepted, declined, withdrawn, or lapsed (the case left the merchant's stage)"
    )
    made_at: str
    settled_at: str | None


class ThreadOut(Schema):
    open: bool = Field(description="Whether offers can be made and accepted now (the case awaits the merchant)")
    messages: list[MessageOut]
    offers: list[OfferOut]
    max_extension_days: int
    extension_days_used: int


class DeclineIn(Schema):
    note: str = ""


class UploadLinkIn(Schema):
    channel: str = Field("email", description="The channel to send it by (email today)")


class UploadLinkOut(Schema):
    id: int
    case: str
    channel: str
    sent_at: str
    expires_at: str


def _offer(request: HttpRequest, offer_id: int) -> Offer:
    offer = Offer.objects.filter(pk=offer_id).select_related("case").first()
    if offer is None:
        raise NotFound("offer_not_found", f"No offer {offer_id} that you can see.")
    try:
        offer.case = get_case(request.auth, offer.case.reference)
    except NotFound:
        raise NotFound("offer_not_found", f"No offer {offer_id} that you can see.") from None
    return offer


def _offer_out(request: HttpRequest, offer: Offer) -> dict[str, Any]:
    case = get_case(request.auth, offer.case.reference)
    return offer_item(offer, side_of(request.auth), case)


@router.get("/cases/{reference}/messages", response={200: ThreadOut, **ERRORS})
def read_thread(request: HttpRequest, reference: str) -> dict:
    """The case's negotiation thread: its messages and offers, oldest first."""
    return thread(get_case(request.auth, reference), side_of(request.auth))


@router.post("/cases/{reference}/messages", response={201: MessageOut, **ERRORS})
def post_message(request: HttpRequest, reference: str, data: MessageIn) -> Status:
    """Write in the thread while the case is open; reviewers ask a party a question (`addressed_to`)."""
    case = get_case(request.auth, reference)
    message = actions.post_message(request.auth, case, data.text, addressed_to=data.addressed_to or "")
    return Status(201, message_item(message, side_of(request.auth), case.reporter.name if case.reporter_id else ""))


@router.get("/cases/{reference}/offers", response={200: list[OfferOut], **ERRORS})
def list_offers(request: HttpRequest, reference: str) -> list:
    """The case's offers, oldest first."""
    return thread(get_case(request.auth, reference), side_of(request.auth))["offers"]


@router.post("/cases/{reference}/offers", response={201: OfferOut, **ERRORS})
def make_offer(request: HttpRequest, reference: str, data: OfferIn) -> Status:
    """Offer the other party a remedy or more days for the merchant's answer, while the case awaits the merchant."""
    case = get_case(request.auth, reference)
    offer = actions.make_offer(
        request.auth, case, data.kind, remedy=data.remedy or "", amount=data.amount, days=data.days, note=data.note
    )
    return Status(201, offer_item(offer, side_of(request.auth), offer.case))


@router.get("/offers/{offer_id}", response={200: OfferOut, **ERRORS})
def read_offer(request: HttpRequest, offer_id: RowId) -> dict:
    return _offer_out(request, _offer(request, offer_id))


@router.post("/offers/{offer_id}/accept", response={200: OfferOut, **ERRORS})
def accept_offer(request: HttpRequest, offer_id: RowId) -> dict:
    """Accept the other side's offer: a remedy resolves the case with it (409 once the case left the merchant's
    stage; 403 for your own offer); an extension moves the merchant's deadline."""
    return _offer_out(request, actions.accept_offer(request.auth, _offer(request, offer_id)))


@router.post("/offers/{offer_id}/decline", response={200: OfferOut, **ERRORS})
def decline_offer(request: HttpRequest, offer_id: RowId, data: DeclineIn | None = None) -> dict:
    """Decline the other side's open offer."""
    note = data.note if data else ""
    return _offer_out(request, actions.decline_offer(request.auth, _offer(request, offer_id), note=note))


@router.post("/offers/{offer_id}/withdraw", response={200: OfferOut, **ERRORS})
def withdraw_offer(request: HttpRequest, offer_id: RowId) -> dict:
    """Withdraw your own open offer."""
    return _offer_out(request, actions.withdraw_offer(request.auth, _offer(request, offer_id)))


@router.post("/cases/{reference}/upload-link", response={201: UploadLinkOut, **ERRORS})
def send_upload_link(request: HttpRequest, reference: str, data: UploadLinkIn | None = None) -> Status:
    """Agents: send the reporter a one-time link to add evidence files to this case until its evidence deadline."""
    link = actions.send_upload_link(
        request.auth, get_case(request.auth, reference), channel=data.channel if data else "email"
    )
    return Status(
        201,
        {
            "id": link.pk,
            "case": link.case.reference,
            "channel": link.channel,
            "sent_at": link.sent_at.isoformat(),
            "expires_at": link.expires_at.isoformat(),
        },
    )
