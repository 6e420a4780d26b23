import itertools
from datetime import datetime, timedelta, timezone

import pytest

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from tests import factories as f

from .receiver import DsaDatabase

CST = timezone(timedelta(hours=8))
_orders = itertools.count(1)
EVIDENCE = {
    "counterfeit": "photo_of_product",
    "product_quality": "photo_of_product",
    "not_as_described": "photo_of_product",
    "expired_goods": "photo_of_expiry_date",
}


@pytest.fixture
def dsa_db(settings):
    database = DsaDatabase(token="dsa-secret").start()
    settings.PLAINT_DSA_ENDPOINT = database.batch_url
    settings.PLAINT_DSA_TOKEN = "dsa-secret"
    settings.PLAINT_DELIVERY_BACKOFF_SECONDS = 10
    yield database
    database.stop()


@pytest.fixture
def world(time_machine, db):
    # Rulebook version 3 (with its [dsa] section) is in force.
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST))
    a = f.merchant("M-A", name="Shop A")
    f.order(a, "C1", external_id="O-0")
    return {
        "a": a,
        "consumer": f.consumer_user("C1"),
        "reviewer": f.user(Role.REVIEWER),
        "staff": f.user(Role.MERCHANT, merchant=a),
    }


def decided(world, category: str, outcome: str = "upheld", remedy: str | None = None) -> str:
    """File an order report against shop A, have it contested and decided; return the case reference."""
    from django.utils import timezone as tz

    order = f.order(world["a"], "C1", external_id=f"O-{next(_orders)}", delivered_at=tz.now() - timedelta(days=1))
    data = ReportIn(target_type="order", target_id=order.external_id, category=category, description="违规 violation")
    case = actions.file_report(world["consumer"], data, [Upload("p.jpg", f.jpeg(), EVIDENCE[category])]).case
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="不同意"))
    actions.claim_case(world["reviewer"], case)
    codes = ["violation_established"] if outcome != "not_upheld" else ["insufficient_evidence"]
    decision = DecisionIn(
        outcome=outcome,
        reason_codes=codes,
        statement="证据充分。买家电话 13812345678。Established.",
        **({"remedy": remedy} if remedy else {}),
    )
    actions.decide_case(world["reviewer"], case, decision)
    return case.reference
