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


def queue_cases(count: int, merchants: list[Merchant] | None = None, **fields) -> list:
    """Bulk-create `count` cases in review (report and case rows, no clocks or events) and return them.

    Each field in `fields` is a value or a function of the case's index i (e.g. priority=lambda i: i % 3).
    Defaults vary category, channel, priority and merchant over the index, deadlines spread over days.
    """
    from plaint.cases.models import Case, Report
    from plaint.rulebook import loader

    now = timezone.now()
    merchants = merchants or [merchant(), merchant()]
    reporter, _ = Consumer.objects.get_or_create(external_id="C-QUEUE", defaults={"name": "Queue consumer"})
    filer = User.objects.filter(role=Role.AGENT).first() or user(Role.AGENT)
    start = next(_seq) * 100_000
    defaults = {
        "category": lambda i: ("product_quality", "counterfeit", "expired_goods")[i % 3],
        "channel": lambda i: ("web", "app", "hotline")[i % 3],
        "priority": lambda i: i % 4,
        "merchant": lambda i: merchants[i % len(merchants)],
        "state": "awaiting_review",
        "decision_due_at": lambda i: now + timedelta(hours=1 + i % 50),
        "opened_at": lambda i: now - timedelta(minutes=i),
        "rulebook_version": loader.in_force(now).version,
    }

    def value(name: str, i: int):
        v = fields.get(name, defaults.get(name))
        return v(i) if callable(v) else v

    reports = Report.objects.bulk_create(
        [
            Report(
                reporter=reporter,
                filed_by=filer,
                channel=value("channel", i),
                target_type="merchant",
                merchant=value("merchant", i),
                category=value("category", i),
                description=f"Queue case {i}",
                remedy_wanted="refund",
                idempotency_key=f"queue-{start + i}",
                submitted_at=value("opened_at", i),
            )
            for i in range(count)
        ]
    )
    extra = {k: v for k, v in fields.items() if k not in defaults}
    cases = [
        Case(
            reference=f"PL-Q{start + i:09d}",
            report=report,
            merchant=report.merchant,
            reporter=reporter,
            category=report.category,
            channel=report.channel,
            state=value("state", i),
            priority=value("priority", i),
            rulebook_version=value("rulebook_version", i),
            decision_due_at=value("decision_due_at", i),
            opened_at=report.submitted_at,
            updated_at=now,
            **{k: value(k, i) for k in extra},
        )
        for i, report in enumerate(reports)
    ]
    return Case.objects.bulk_create(cases)
