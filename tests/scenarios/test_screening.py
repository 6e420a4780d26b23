"""Issue 15's acceptance, the parts of screening at intake: one consumer sends another's photo as her own
(flagged for the reviewer, the report still filed), and one account files 30 reports in a minute (limited
after the rulebook's count, each refusal saying when; the refused texts filed later as they were)."""

from datetime import datetime, timedelta, timezone

import pytest

from plaint.accounts.models import Role
from plaint.cases.models import Case
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient
from tests.evidence.test_forensics import jpeg, near_copy, scene

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
V3 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)


def test_a_reused_photo_is_flagged_and_a_burst_of_reports_is_limited(time_machine):
    time_machine.move_to(V3, tick=False)
    listing_shop, other_shop = f.merchant("M-A"), f.merchant("M-B")
    delivered = V3 - timedelta(days=3)
    f.order(listing_shop, "C1", external_id="O-C1", delivered_at=delivered)
    f.order(other_shop, "C2", external_id="O-C2", delivered_at=delivered)
    for n in range(30):
        f.order(listing_shop, "C3", external_id=f"O-C3-{n}", delivered_at=delivered)
    c1, c2, c3 = (ApiClient(f.token(f.consumer_user(c))) for c in ("C1", "C2", "C3"))
    reviewer = ApiClient(f.token(f.user(Role.REVIEWER)))

    def report(order: str, text: str) -> dict:
        return {
            "target_type": "order",
            "target_id": order,
            "category": "expired_goods",
            "description": text,
            "remedy_wanted": "refund",
        }

    # C2 saves C1's photo of the expired jar from a forum, crops and shrinks it, and files it as hers.
    jar = scene(42)  # taken after delivery, as far as its EXIF says
    first = c1.post_form(
        "/reports",
        report("O-C1", "面霜已过期"),
        files=[("jar.jpg", jpeg(jar, taken="2026:12:07 20:00:00"), "photo_of_expiry_date")],
    )
    second = c2.post_form(
        "/reports", report("O-C2", "我的也过期了"), files=[("IMG_0001.jpg", near_copy(jar), "photo_of_expiry_date")]
    )
    assert first.status_code == second.status_code == 201
    seen = reviewer.get(f"/cases/{second.json()['reference']}", lang="en").json()
    assert seen["state"] == "awaiting_merchant"  # flagged, not refused
    flags = {item["code"]: item for item in seen["evidence"][0]["flags"]}
    # Her copy still says when C1 took it: days before her own order was delivered.
    assert set(flags) == {"copy", "before_delivery"}
    flag = flags["copy"]
    assert flag["details"]["matches"][0]["case"] == first.json()["reference"]
    assert "by another consumer, against another merchant" in flag["reason"]

    # C3 files 30 reports in a minute: the rulebook's hourly count go through, the rest are refused.
    allowed = loader.in_force(V3).intake.limits.reports_per_hour
    answers = []
    for n in range(30):
        answers.append(c3.post_form("/reports", report(f"O-C3-{n}", f"第 {n} 罐过期")))
        time_machine.shift(timedelta(seconds=2))
    assert [a.status_code for a in answers] == [201] * allowed + [429] * (30 - allowed)
    assert all(a.json()["code"] == "too_many_reports" and int(a["Retry-After"]) > 0 for a in answers[allowed:])
    assert Case.objects.filter(reporter__external_id="C3").count() == allowed
    # When the hour is over, the refused texts are filed as they were written (up to the next count).
    time_machine.shift(timedelta(seconds=int(answers[-1]["Retry-After"])))
    later = c3.post_form("/reports", report(f"O-C3-{allowed}", f"第 {allowed} 罐过期"))
    assert later.status_code == 201
    assert c3.get(f"/cases/{later.json()['reference']}").json()["report"]["description"] == f"第 {allowed} 罐过期"
