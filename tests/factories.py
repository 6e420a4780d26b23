"""Plain functions that make test data through the same actions the marketplace uses."""

import io
import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from PIL import Image

from plaint.accounts.models import ApiToken, Role, User
from plaint.marketplace.actions import upsert_listing, upsert_merchant, upsert_order
from plaint.marketplace.inputs import ListingIn, MerchantIn, OrderIn
from plaint.marketplace.models import Consumer, Merchant, Order

_seq = itertools.count(1)


def merchant(external_id: str | None = None, **fields) -> Merchant:
    data = {"id": external_id or f"M{next(_seq)}", "name": "Tokyo Beauty 東京美妝", "country": "JP"} | fields
    return upsert_merchant(MerchantIn(**data))[0]


def listing(merchant_obj: Merchant, external_id: str | None = None, **fields):
    data = {
        "id": external_id or f"L{next(_seq)}",
        "merchant_id": merchant_obj.external_id,
        "title": "日本进口 保湿面霜 50g / Moisturising cream 50g",
        "origin_country": "JP",
        "customs_declaration_no": "531620261000012345",
        "batch": "B2026-07",
        "expiry_date": "2026-09-30",
    } | fields
    return upsert_listing(ListingIn(**data))[0]


def order(
    merchant_obj: Merchant,
    consumer_id: str = "C1",
    *,
    delivered_at: datetime | None = None,
    amount: str = "389.00",
    tariff: str = "35.79",
    listing_obj=None,
    external_id: str | None = None,
    email_verified: bool = True,
) -> Order:
    delivered_at = delivered_at or timezone.now() - timedelta(days=3)
    listing_obj = listing_obj or listing(merchant_obj)
    data = OrderIn(
        id=external_id or f"O{next(_seq)}",
        consumer={
            "id": consumer_id,
            "name": "李娜",
            "email": f"{consumer_id.lower()}@example.cn",
            "email_verified": email_verified,
            "phone": "13800000000",
        },
        merchant_id=merchant_obj.external_id,
        amount_paid=Decimal(amount),
        tariff_paid=Decimal(tariff),
        paid_at=delivered_at - timedelta(days=6),
        shipped_at=delivered_at - timedelta(days=5),
        delivered_at=delivered_at,
        items=[{"listing_id": listing_obj.external_id, "title": listing_obj.title, "unit_price": amount}],
    )
    return upsert_order(data)[0]


def user(role: str, username: str | None = None, **fields) -> User:
    return User.objects.create_user(
        username=username or f"{role}{next(_seq)}", password="pw-for-tests", role=role, **fields
    )


def consumer_user(consumer_id: str = "C1") -> User:
    consumer = Consumer.objects.get(external_id=consumer_id)
    return user(Role.CONSUMER, consumer=consumer)


def token(user_obj: User) -> str:
    return ApiToken.issue(user_obj)[1]


def jpeg(color: str = "red", size: tuple[int, int] = (64, 48), exif_time: str | None = None) -> bytes:
    image = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    if exif_time:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = exif_time  # DateTimeOriginal
        image.save(buffer, "JPEG", exif=exif)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()
