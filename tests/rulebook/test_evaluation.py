"""Admissibility as a pure function of the rulebook, the dates and the evidence present."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

from django.conf import settings

from plaint.rulebook.evaluation import ADMITTED, INADMISSIBLE, NEEDS_EVIDENCE, assess, points_expire_at
from plaint.rulebook.loader import parse

RB = parse((Path(settings.BASE_DIR) / "rulebook" / "v1.toml").read_text(encoding="utf-8"), "v1.toml")
CST = timezone(timedelta(hours=8))
DELIVERED = datetime(2026, 10, 1, 15, 0, tzinfo=CST)


def test_inside_the_window_with_required_evidence_is_admitted():
    result = assess(
        RB, RB.category("product_quality"), "order", DELIVERED, DELIVERED + timedelta(days=29), {"photo_of_product"}
    )
    assert result.outcome == ADMITTED
    assert result.rulebook_version == "1"


def test_the_last_moment_of_the_window_counts_and_the_next_does_not():
    category = RB.category("product_quality")
    closes = DELIVERED + timedelta(days=30)
    assert assess(RB, category, "order", DELIVERED, closes, {"photo_of_product"}).outcome == ADMITTED
    late = assess(RB, category, "order", DELIVERED, closes + timedelta(seconds=1), {"photo_of_product"})
    assert late.outcome == INADMISSIBLE and late.reason_code == "out_of_window"
    assert late.dates["window_closes_at"] == closes.isoformat()


def test_counterfeit_has_ninety_days():
    result = assess(
        RB, RB.category("counterfeit"), "order", DELIVERED, DELIVERED + timedelta(days=89), {"photo_of_product"}
    )
    assert result.outcome == ADMITTED


def test_listing_reports_have_no_window():
    result = assess(
        RB, RB.category("product_quality"), "listing", None, DELIVERED + timedelta(days=400), {"photo_of_product"}
    )
    assert result.outcome == ADMITTED


def test_missing_evidence_names_it_and_sets_the_deadline():
    now = DELIVERED + timedelta(days=2)
    result = assess(RB, RB.category("expired_goods"), "order", DELIVERED, now, {"photo_of_packaging"})
    assert result.outcome == NEEDS_EVIDENCE
    assert result.missing_evidence == ("photo_of_expiry_date",)
    assert result.evidence_due_at == now + timedelta(days=RB.intake.evidence_deadline_days)
    assert "保质期" in result.explanation["zh"] and "Photo of the expiry date" in result.explanation["en"]


def test_a_category_on_the_wrong_target_is_out_of_scope():
    result = assess(RB, RB.category("damaged_on_arrival"), "listing", None, DELIVERED, set())
    assert result.outcome == INADMISSIBLE and result.reason_code == "out_of_scope"
    assert result.alternatives


def test_points_reset_at_the_end_of_the_calendar_year():
    awarded = datetime(2026, 12, 31, 23, 0, tzinfo=CST)
    assert points_expire_at(RB, awarded) == datetime(2027, 1, 1, tzinfo=CST)
