"""A small marketplace for the merchant-portal and review-console page tests, made through the actions."""

from datetime import timedelta

from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.cases.models import StatementTemplate
from plaint.evidence.actions import Upload
from tests import factories as f


def build() -> dict:
    """Two merchants, one consumer; a case awaiting the merchant, one in review; a user per role."""
    shop = f.merchant("M-TOKYO", name="Tokyo Beauty 東京美妝", country="JP")
    other = f.merchant("M-SEOUL", name="Seoul Health", country="KR")
    cream = f.listing(shop, "L-CREAM", title="日本进口 保湿面霜 50g")
    f.order(shop, "C1", listing_obj=cream, external_id="O-1", delivered_at=timezone.now() - timedelta(days=3))
    f.order(shop, "C1", listing_obj=cream, external_id="O-2", delivered_at=timezone.now() - timedelta(days=2))
    oil = f.listing(other, "L-OIL", title="Fish oil")
    f.order(other, "C1", listing_obj=oil, external_id="O-3", delivered_at=timezone.now() - timedelta(days=2))
    users = {
        "consumer": f.consumer_user("C1"),
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "other_merchant": f.user(Role.MERCHANT, merchant=other),
        "reviewer": f.user(Role.REVIEWER),
        "reviewer2": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR),
        "agent": f.user(Role.AGENT),
    }

    def file(order: str, text: str) -> object:
        return actions.file_report(
            users["consumer"],
            ReportIn(target_type="order", target_id=order, category="expired_goods", description=text),
            [Upload("expiry.jpg", f.jpeg("white", exif_time="2026:11:20 10:16:30"), "photo_of_expiry_date")],
        ).case

    waiting = file("O-1", "过期了 <script>alert('x')</script>")
    in_review = file("O-2", "Expired cream, second order.")
    actions.respond_as_merchant(users["merchant"], in_review, ResponseIn(kind="contest", explanation="Not expired."))
    other_case = actions.file_report(
        users["consumer"],
        ReportIn(target_type="order", target_id="O-3", category="not_as_described", description="Wrong colour."),
    ).case
    StatementTemplate.objects.create(
        category="expired_goods",
        language="zh-hans",
        outcome="upheld",
        title="过期商品成立",
        body="订单 {order} 的商品在 {delivered} 签收时已过期（{category}，第 {rule_version} 版）。",
    )
    StatementTemplate.objects.create(
        category="expired_goods",
        language="en",
        outcome="upheld",
        title="Expired goods established",
        body="The goods of order {order} were expired on delivery ({category}, rulebook version {rule_version}).",
    )
    return {
        "shop": shop,
        "other": other,
        "users": users,
        "waiting": waiting,
        "in_review": in_review,
        "other_case": other_case,
    }


def extra_report(report, i: int):
    """Return a copy of `report` saved as a new row (bulk data for the query-count test)."""
    from plaint.cases.models import Report

    copy = Report.objects.get(pk=report.pk)
    copy.pk = None
    copy.idempotency_key = f"bulk-{i}"
    copy.save()
    return copy
