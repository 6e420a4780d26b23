"""The marketplace pushes merchants, listings and orders; each call creates or updates by its own ID."""

from django.http import HttpRequest
from ninja import Router, Status

from plaint.accounts.models import Role
from plaint.errors import Forbidden
from plaint.marketplace.actions import upsert_listing, upsert_merchant, upsert_order
from plaint.marketplace.inputs import ListingIn, MerchantIn, OrderIn

from ..schemas import ERRORS, Upserted

router = Router()


def _require_marketplace(request: HttpRequest) -> None:
    # The marketplace's system client alone: merchants, listings and orders are the marketplace's facts,
    # and an admin who could rewrite an order's delivery date or consumer could reopen a closed window
    # or move a case to another consumer. Admins load fixes through the marketplace or its JSON Lines import.
    if request.auth.role != Role.MARKETPLACE:
        raise Forbidden(
            "marketplace_only",
            "Only the marketplace's system client pushes marketplace data.",
            hint="Send the change from the marketplace's systems, with the marketplace's API token.",
        )


@router.post("/merchants", response={200: Upserted, 201: Upserted, **ERRORS})
def push_merchant(request: HttpRequest, data: MerchantIn) -> Status:
    _require_marketplace(request)
    merchant, created = upsert_merchant(data)
    return Status(201 if created else 200, {"id": merchant.external_id, "created": created})


@router.post("/listings", response={200: Upserted, 201: Upserted, **ERRORS})
def push_listing(request: HttpRequest, data: ListingIn) -> Status:
    _require_marketplace(request)
    listing, created = upsert_listing(data)
    return Status(201 if created else 200, {"id": listing.external_id, "created": created})


@router.post("/orders", response={200: Upserted, 201: Upserted, **ERRORS})
def push_order(request: HttpRequest, data: OrderIn) -> Status:
    _require_marketplace(request)
    order, created = upsert_order(data)
    return Status(201 if created else 200, {"id": order.external_id, "created": created})
