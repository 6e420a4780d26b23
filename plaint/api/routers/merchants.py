"""A merchant's standing: points per track with expiry, measures, and the next threshold."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from plaint.accounts.models import Role
from plaint.enforcement.standing import standing
from plaint.errors import NotFound
from plaint.marketplace.models import Merchant
from plaint.rulebook import loader

from ..schemas import ERRORS

router = Router()


@router.get("/{merchant_id}/standing", response={200: dict[str, Any], **ERRORS})
def read_standing(request: HttpRequest, merchant_id: str) -> dict:
    """Merchant staff read their own shop's; staff and the marketplace read any."""
    user = request.auth
    merchant = Merchant.objects.filter(external_id=merchant_id).first()
    allowed = user.role in (Role.AGENT, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN, Role.MARKETPLACE) or (
        user.role == Role.MERCHANT and merchant is not None and user.merchant_id == merchant.pk
    )
    if merchant is None or not allowed:
        raise NotFound("merchant_not_found", f"No merchant {merchant_id!r} that you can see.")
    now = timezone.now()
    return standing(merchant, loader.in_force(now), now)
