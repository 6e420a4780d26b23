"""A merchant flagged by monitoring, its staff, a supervisor who investigates and a reviewer who decides."""

from datetime import datetime, timedelta, timezone

import pytest

from plaint.accounts.models import Role
from plaint.monitoring.models import MonitoringFlag
from tests import factories as f
from tests.api_client import ApiClient

CST = timezone(timedelta(hours=8))
# Rulebook version 3 is in force (version 4 takes effect on 8 December).
START = datetime(2026, 12, 1, 10, 0, tzinfo=CST)


@pytest.fixture
def world(db, time_machine):
    time_machine.move_to(START)
    merchant = f.merchant("M-FLAG", name="Flagged Shop", contact_email="shop@flagged.example")
    listing = f.listing(merchant, "L-FAKE")
    other = f.merchant("M-OTHER", name="Other Shop")
    f.order(merchant, "C1", external_id="O-1")
    staff = f.user(Role.MERCHANT, merchant=merchant)
    supervisor = f.user(Role.SUPERVISOR)
    reviewer = f.user(Role.REVIEWER)
    consumer = f.consumer_user("C1")
    flag = MonitoringFlag.objects.create(
        merchant=merchant,
        reason="spike",
        figures={"reports": 8, "orders": 200, "report_rate_per_1000": 40.0, "baseline_rate_per_1000": 5.0},
        raised_at=START,
    )
    return {
        "merchant": merchant,
        "listing": listing,
        "other": other,
        "staff": staff,
        "supervisor": supervisor,
        "reviewer": reviewer,
        "flag": flag,
        "consumer": consumer,
        "api": {
            "supervisor": ApiClient(f.token(supervisor)),
            "reviewer": ApiClient(f.token(reviewer)),
            "merchant": ApiClient(f.token(staff)),
            "agent": ApiClient(f.token(f.user(Role.AGENT))),
            "consumer": ApiClient(f.token(consumer)),
            "marketplace": ApiClient(f.token(f.user(Role.MARKETPLACE))),
        },
    }


def investigation_fields(world, **extra) -> dict:
    return {
        "target_type": "listing",
        "target_id": "L-FAKE",
        "category": "counterfeit",
        "description": "平台抽检：该商品序列号在品牌官网查询不存在。Test purchase: the serial number does not exist.",
    } | extra


def photo() -> list[tuple[str, bytes, str]]:
    return [("serial.jpg", f.jpeg(), "photo_of_product")]
