"""The rulebook file: validated at start-up with precise messages; published versions never change."""

from datetime import UTC
from pathlib import Path

import pytest
from django.conf import settings

from plaint.rulebook import loader
from plaint.rulebook.loader import RulebookError, parse
from plaint.rulebook.models import RulebookVersion

V1 = (Path(settings.BASE_DIR) / "rulebook" / "v1.toml").read_text(encoding="utf-8")


def test_v1_has_the_categories_the_marketplace_needs_in_both_languages():
    rulebook = parse(V1, "v1.toml")
    codes = {c.code for c in rulebook.categories}
    assert codes >= {
        "product_quality",
        "counterfeit",
        "expired_goods",
        "damaged_on_arrival",
        "not_as_described",
        "false_advertising",
        "service_attitude",
        "prohibited_sales",
        "customs_and_tariff",
    }
    for category in rulebook.categories:
        assert category.title.zh and category.title.en
    assert rulebook.category("counterfeit").window_days == 90
    assert rulebook.category("product_quality").window_days == 30
    assert rulebook.category("not_as_described").window_days == 30
    assert rulebook.category("counterfeit").track == "serious"


def test_a_wrong_field_is_named_with_file_entry_and_field():
    head = 'code = "expired_goods"\ntitle = { zh = "过期商品", en = "Expired goods" }\ntargets = ["order", "listing"]\n'
    broken = V1.replace(head + "window_days = 30", head + 'window_days = "thirty"')
    assert broken != V1
    with pytest.raises(RulebookError) as exc:
        parse(broken, "rulebook/v9.toml")
    message = str(exc.value)
    assert "rulebook/v9.toml" in message
    assert "categories[2] (expired_goods)" in message
    assert "field window_days" in message


def test_an_unknown_evidence_kind_is_named():
    broken = V1.replace('required_evidence = ["photo_of_expiry_date"]', 'required_evidence = ["selfie"]')
    with pytest.raises(RulebookError, match=r"categories\[2\] \(expired_goods\): required_evidence: 'selfie'"):
        parse(broken, "v1.toml")


def test_a_missing_field_is_named():
    broken = V1.replace('response_days = 2\nsilence = "uphold"', 'silence = "uphold"', 1)
    with pytest.raises(
        RulebookError, match=r"categories\[3\] \(damaged_on_arrival\): field response_days: Field required"
    ):
        parse(broken, "v1.toml")


def test_bad_toml_is_named():
    with pytest.raises(RulebookError, match="v1.toml: not valid TOML"):
        parse("version = ", "v1.toml")


def test_start_up_check_stops_on_a_malformed_file(tmp_path, settings):
    (tmp_path / "v1.toml").write_text(V1.replace("evidence_deadline_days = 7", "evidence_deadline_days = -1"))
    settings.PLAINT_RULEBOOK_DIR = tmp_path
    try:
        with pytest.raises(RulebookError, match="intake: field evidence_deadline_days"):
            loader.check()
    finally:
        settings.PLAINT_RULEBOOK_DIR = Path(settings.BASE_DIR) / "rulebook"
        loader.check()


@pytest.mark.django_db
def test_a_published_version_cannot_be_edited_in_place(tmp_path, settings):
    assert RulebookVersion.objects.filter(version="1").exists()  # published by migrate
    (tmp_path / "v1.toml").write_text(V1.replace("window_days = 90", "window_days = 60", 1))
    settings.PLAINT_RULEBOOK_DIR = tmp_path
    try:
        loader.check()
        with pytest.raises(RulebookError, match="its text has changed since"):
            loader.publish_all()
    finally:
        settings.PLAINT_RULEBOOK_DIR = Path(settings.BASE_DIR) / "rulebook"
        loader.check()


@pytest.mark.django_db
def test_a_new_version_is_published_beside_the_old_and_the_old_stays_readable(tmp_path, settings):
    # "later": a name no real version uses (rulebook/ holds v1 and v2, both published by migrate).
    later = (
        V1.replace('version = "1"', 'version = "later"')
        .replace("effective_from = 2026-01-01T00:00:00+08:00", "effective_from = 2030-01-01T00:00:00+08:00")
        .replace("window_days = 90", "window_days = 60", 1)
    )
    # v1's file is gone from this folder: it is read from its published copy.
    (tmp_path / "later.toml").write_text(later)
    settings.PLAINT_RULEBOOK_DIR = tmp_path
    try:
        loader.check()
        assert loader.publish_all() == ["later"]
        assert loader.get("1").category("counterfeit").window_days == 90
        assert loader.get("later").category("counterfeit").window_days == 60
    finally:
        settings.PLAINT_RULEBOOK_DIR = Path(settings.BASE_DIR) / "rulebook"
        loader.check()


def test_the_version_in_force_is_the_latest_started(tmp_path, settings):
    from datetime import datetime

    v2 = V1.replace('version = "1"', 'version = "2"').replace(
        "effective_from = 2026-01-01T00:00:00+08:00", "effective_from = 2027-01-01T00:00:00+08:00"
    )
    (tmp_path / "v1.toml").write_text(V1)
    (tmp_path / "v2.toml").write_text(v2)
    settings.PLAINT_RULEBOOK_DIR = tmp_path
    try:
        loader.check()
        assert loader.in_force(datetime(2026, 6, 1, tzinfo=UTC)).version == "1"
        assert loader.in_force(datetime(2027, 6, 1, tzinfo=UTC)).version == "2"
        with pytest.raises(RulebookError, match="no rulebook is in force"):
            loader.in_force(datetime(2025, 6, 1, tzinfo=UTC))
    finally:
        settings.PLAINT_RULEBOOK_DIR = Path(settings.BASE_DIR) / "rulebook"
        loader.check()


def test_plaint_does_not_start_with_a_malformed_rulebook(tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    (tmp_path / "v1.toml").write_text(
        V1.replace('silence = "review"\ntrack = "serious"', 'silence = "review"\ntrack = "severe"', 1), encoding="utf-8"
    )
    shutil.copytree(Path(settings.PLAINT_RULEBOOK_DIR) / "calendars", tmp_path / "calendars")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=os.environ | {"PLAINT_RULEBOOK_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "plaint.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert f"{tmp_path / 'v1.toml'}: categories[1] (counterfeit): track: 'severe'" in result.stderr


def test_a_rulebook_without_the_remedy_none_is_refused():
    broken = V1.replace('none = { zh = "不要求补救", en = "No remedy" }\n', "")
    broken = broken.replace(', "none"]', "]").replace('["none", ', "[")
    with pytest.raises(RulebookError, match="remedies: 'none' is required"):
        parse(broken, "v1.toml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('days = 5\ntime = "business"\ncalendar = "cn"\n', 'days = 5\ntime = "business"\n'),
            r"v1.toml: sla: field decision: calendar: business time needs a calendar",
        ),
        (
            ('days = 5\ntime = "business"\ncalendar = "cn"\n', 'days = 5\ntime = "business"\ncalendar = "mars"\n'),
            r"v1.toml: sla: decision: field calendar: .*calendars/mars.toml: no such business calendar",
        ),
        (
            ("[sla.merchant_response]\n", "[sla.merchant_response]\ndays = 2\n"),
            r"v1.toml: field sla: merchant_response: days, hours: its length is each category's response_days",
        ),
        (
            ('on_breach = ["merchant_silence"]', 'on_breach = ["escalate"]'),
            r"v1.toml: field sla: merchant_response: on_breach: must include 'merchant_silence'",
        ),
        (
            ('on_breach = ["escalate"]\n', 'on_breach = ["explode"]\n'),
            r"v1.toml: sla: appeal: on_breach\[0\]: Input should be 'escalate'",
        ),
        (("raise_priority = 3\n", ""), r"v1.toml: sla: field decision: raise_priority: on_breach raises priority"),
    ],
)
def test_a_malformed_service_level_names_the_stage_and_the_field(change, message):
    old, new = change
    assert old in V1
    with pytest.raises(RulebookError, match=message):
        parse(V1.replace(old, new, 1), "v1.toml")


def test_v1_has_a_clock_for_every_stage():
    sla = parse(V1, "v1.toml").sla
    for stage in ("acknowledgement", "merchant_response", "decision", "rectification", "appeal"):
        assert sla.stage(stage).warn_before_hours > 0
    assert "merchant_silence" in sla.merchant_response.on_breach
    assert sla.decision.time == "business" and sla.decision.calendar == "cn"


def test_version_2_follows_version_1_at_midnight_in_beijing_on_1_december_2026():
    from datetime import datetime

    assert loader.in_force(datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)).version == "1"
    assert loader.in_force(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)).version == "2"
    assert loader.get("2").changes.startswith("Monitoring: a report-rate spike")


def test_a_version_without_a_monitoring_baseline_reads_as_version_1_did():
    # Version 1 has no [monitoring.baseline]: any earlier window with an order makes a baseline.
    assert loader.get("1").monitoring.baseline is None
    rule = loader.get("1").monitoring.baseline_rule()
    assert (rule.min_windows, rule.min_orders) == (1, 1)
    assert (loader.get("2").monitoring.baseline.min_windows, loader.get("2").monitoring.baseline.min_orders) == (3, 300)


def test_a_monitoring_baseline_states_both_its_fields_and_fits_the_history_kept():
    v2 = (Path(settings.BASE_DIR) / "rulebook" / "v2.toml").read_text(encoding="utf-8")
    with pytest.raises(RulebookError, match=r"v2.toml: monitoring: baseline: field min_orders: Field required"):
        parse(v2.replace("min_orders = 300\n", ""), "v2.toml")
    with pytest.raises(RulebookError, match=r"baseline: min_windows: 7 is more than the 6 history_windows kept"):
        parse(v2.replace("min_windows = 3\n", "min_windows = 7\n"), "v2.toml")
