"""A known small set of cases on one day (3 December 2026, Beijing time), made through the case actions.

| case | channel | category | what happens that day |
| --- | --- | --- | --- |
| A | web | counterfeit | filed 10:00, contested 12:00, decided upheld 16:00; the merchant appeals; overturned |
| B | web | product_quality | filed 10:00, withdrawn 11:00 |
| C | hotline (agent) | product_quality | filed 10:00, the merchant accepts the remedy at 13:30 |
| D | web | product_quality | filed 10:00, inadmissible: delivered 60 days before (window 30 days) |
| E | web | counterfeit | filed 10:00 without the photo: needs evidence; closed for missing evidence days later |
"""

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from tests import factories as f

CST = timezone(timedelta(hours=8))
DAY = date(2026, 12, 3)
_orders = itertools.count(1)


@dataclass
class World:
    a: Case
    b: Case
    c: Case
    d: Case
    e: Case
    shop: object
    consumer: object
    staff: object


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


@pytest.fixture
def world(time_machine, db) -> World:
    time_machine.move_to(at(9), tick=False)
    shop = f.merchant("M-T", name="Shop T")
    f.order(shop, "C-T", external_id="O-T0")  # the marketplace tells Plaint of the consumer with an order
    consumer = f.consumer_user("C-T")
    agent = f.user(Role.AGENT)
    reviewer = f.user(Role.REVIEWER)
    supervisor = f.user(Role.SUPERVISOR)
    staff = f.user(Role.MERCHANT, merchant=shop)
    photo = [Upload("p.jpg", f.jpeg(), "photo_of_product")]

    def order(days_ago: int = 2):
        return f.order(shop, "C-T", external_id=f"O-T{next(_orders)}", delivered_at=at(9) - timedelta(days=days_ago))

    def file(category: str, uploads=photo, actor=consumer, days_ago: int = 2, **extra) -> Case:
        data = ReportIn(
            target_type="order",
            target_id=order(days_ago).external_id,
            category=category,
            description="商品有问题 something is wrong",
            **extra,
        )
        return actions.file_report(actor, data, uploads, now=at(10)).case

    a = file("counterfeit")
    b = file("product_quality")
    c = file("product_quality", actor=agent, channel="hotline", channel_reference="CALL-1", consumer_id="C-T")
    d = file("product_quality", days_ago=60)
    e = file("counterfeit", uploads=[])

    actions.withdraw_report(consumer, b, "已和商家协商 settled", now=at(11))
    actions.respond_as_merchant(staff, a, ResponseIn(kind="contest", explanation="正品 genuine"), now=at(12))
    actions.respond_as_merchant(staff, c, ResponseIn(kind="accept", explanation="同意退款 we refund"), now=at(13, 30))
    actions.claim_case(reviewer, a, now=at(15))
    actions.decide_case(
        reviewer,
        a,
        DecisionIn(
            outcome="upheld", reason_codes=["violation_established"], statement="依据证据作出决定。Decided on evidence."
        ),
        now=at(16),
    )
    a.refresh_from_db()
    appeal = actions.file_appeal(staff, a, "outcome", "报关单证明为正品。", now=at(17)).appeal
    if appeal.state == "answer_window":
        actions.answer_appeal(consumer, appeal, "维持原意见。", now=at(18))
    appeal.refresh_from_db()
    actions.decide_appeal(supervisor, appeal, "overturned", "报关单证明为正品，举报不成立。", now=at(20))
    for case in (a, b, c, d, e):
        case.refresh_from_db()
    return World(a, b, c, d, e, shop, consumer, staff)
