"""A possible reporting ring (rulebook v4 [rings]): enough new accounts reporting one merchant within the
window flag those cases and raise a monitoring flag for the supervisors; old accounts do not count."""

from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.marketplace.models import Consumer
from plaint.monitoring.models import MonitoringFlag
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
V4 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)
V3 = datetime(2026, 12, 3, 10, 0, tzinfo=CST)


def _people(shop, names, *, created_at):
    users = []
    for name in names:
        f.order(shop, name, external_id=f"O-{name}", delivered_at=created_at + timedelta(hours=1))
        Consumer.objects.filter(external_id=name).update(created_at=created_at)
        users.append(f.consumer_user(name))
    return users


def _file(user, name):
    data = ReportIn(
        target_type="order",
        target_id=f"O-{name}",
        category="product_quality",
        description="质量差",
        remedy_wanted="refund",
    )
    return actions.file_report(user, data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case


def test_five_new_accounts_reporting_one_merchant_within_a_day_are_flagged(time_machine):
    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-RING", name="Ring target")
    young = _people(shop, [f"N{i}" for i in range(5)], created_at=V4 - timedelta(days=3))
    old = _people(shop, ["OLD1", "OLD2"], created_at=V4 - timedelta(days=60))
    # Two old accounts and four new ones: not yet a ring.
    for user in old:
        _file(user, user.consumer.external_id)
    cases = []
    for user in young[:4]:
        cases.append(_file(user, user.consumer.external_id))
        time_machine.shift(timedelta(hours=2))
    assert not Case.objects.filter(ring_flagged=True).exists() and not MonitoringFlag.objects.exists()
    # The fifth new account within 24 hours of the first.
    fifth = _file(young[4], "N4")
    cases.append(fifth)
    assert fifth.ring_flagged
    flagged = set(Case.objects.filter(ring_flagged=True).values_list("reference", flat=True))
    assert flagged == {c.reference for c in cases}
    flag = MonitoringFlag.objects.get(merchant=shop, reason="reporting_ring")
    assert flag.figures["accounts"] == 5 and sorted(flag.figures["cases"]) == sorted(flagged)
    # Staff read the flag on the case (API and page) and the supervisors on their page; the reporter does not.
    reviewer = f.user(Role.REVIEWER)
    assert ApiClient(f.token(reviewer)).get(f"/cases/{fifth.reference}").json()["ring_flagged"] is True
    assert ApiClient(f.token(young[4])).get(f"/cases/{fifth.reference}").json().get("ring_flagged") is None
    client = Client()
    client.force_login(reviewer)
    assert b"ring-flag" in client.get(f"/review/cases/{fifth.reference}/").content
    boss = Client()
    boss.force_login(f.user(Role.SUPERVISOR, language="en"))
    page = boss.get("/review/supervisor/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "5 accounts younger than 14 days" in page and fifth.reference in page


def test_the_same_accounts_spread_over_more_than_the_window_are_not_a_ring(time_machine):
    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-SLOW")
    young = _people(shop, [f"S{i}" for i in range(5)], created_at=V4 - timedelta(days=1))
    for user in young:
        _file(user, user.consumer.external_id)
        time_machine.shift(timedelta(hours=7))
    assert not Case.objects.filter(ring_flagged=True).exists() and not MonitoringFlag.objects.exists()


def test_version_3_flags_no_ring(time_machine):
    time_machine.move_to(V3, tick=False)
    shop = f.merchant("M-V3")
    for user in _people(shop, [f"V{i}" for i in range(6)], created_at=V3 - timedelta(days=1)):
        _file(user, user.consumer.external_id)
    assert not Case.objects.filter(ring_flagged=True).exists()
