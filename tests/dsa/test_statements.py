"""Statements of reasons for the EU DSA Transparency Database: the mapping, the export, its errors."""

import json
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from plaint.cases.models import Case, Decision
from plaint.dsa import statements
from plaint.enforcement.models import Measure
from plaint.rulebook import loader
from plaint.rulebook.loader import RulebookError, parse

from .conftest import CST, decided
from .receiver import validate

pytestmark = pytest.mark.django_db


def export(tmp_path, first="2026-01-01", last="2027-12-31") -> list[dict]:
    out = tmp_path / "statements.jsonl"
    call_command("export_statements", "--from", first, "--to", last, "--out", str(out))
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_the_demos_decisions_and_a_ladder_of_measures_export_as_valid_statements(world, tmp_path, time_machine):
    call_command("load_demo")

    def spaced(*args, **kwargs):
        # One report an hour: rulebook v3 limits a reporter to 5 in an hour ([intake.limits]).
        time_machine.shift(timedelta(hours=1))
        return decided(*args, **kwargs)

    # Shop A climbs the serious ladder: 12 (warning, listing restriction), 24 (takedown), 36, 48 (removal).
    refs = [spaced(world, "counterfeit") for _ in range(4)]
    spaced(world, "not_as_described", outcome="not_upheld")
    spaced(world, "product_quality", outcome="partly_upheld", remedy="replacement")

    lines = export(tmp_path)
    demo = Decision.objects.exclude(case__merchant__external_id="M-A").exclude(outcome="not_upheld")
    assert demo.exclude(remedy="none").exists(), "the demo's own restricting decisions are part of the export"

    assert lines, "the export wrote nothing"
    problems = {line["puid"]: errors for line in lines if (errors := validate(line))}
    assert problems == {}
    puids = [line["puid"] for line in lines]
    assert len(puids) == len(set(puids))
    # Every decision that restricts the merchant has one; a report not upheld restricts nothing.
    restricting = Decision.objects.exclude(outcome="not_upheld").exclude(remedy="none")
    for decision in restricting:
        assert f"plaint-{decision.case.reference}-decision-{decision.pk}" in puids
    for decision in Decision.objects.filter(outcome="not_upheld"):
        assert not any(p.endswith(f"-decision-{decision.pk}") for p in puids)
    # Every measure but the warning has one, with its restriction and end date.
    kinds = {m.kind for m in Measure.objects.all()}
    assert kinds == {"warning", "listing_restriction", "takedown", "removal"}
    by_puid = {line["puid"]: line for line in lines}
    for measure in Measure.objects.all():
        puid = f"plaint-{measure.trigger_case.reference}-measure-{measure.pk}"
        assert (puid in by_puid) == (measure.kind != "warning")
    removal = Measure.objects.get(kind="removal")
    statement = by_puid[f"plaint-{removal.trigger_case.reference}-measure-{removal.pk}"]
    assert statement["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    assert statement["decision_provision"] == "DECISION_PROVISION_TOTAL_TERMINATION"
    assert statement["category"] == "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    assert statement["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert statement["automated_decision"] == "AUTOMATED_DECISION_PARTIALLY"
    takedown = Measure.objects.filter(kind="takedown").first()
    statement = by_puid[f"plaint-{takedown.trigger_case.reference}-measure-{takedown.pk}"]
    assert statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert statement["end_date_visibility_restriction"] == "2026-12-22"  # 14 days from 8 December
    # A decided report: the remedy restricts the merchant's proceeds; the ground is the category's.
    first = Decision.objects.get(case__reference=refs[0])
    statement = by_puid[f"plaint-{refs[0]}-decision-{first.pk}"]
    assert statement["decision_monetary"] == "DECISION_MONETARY_OTHER"
    assert statement["decision_monetary_other"]
    assert statement["application_date"] == "2026-12-08"
    assert statement["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    quality = next(line for line in lines if line["category"] == "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS"
                   and line["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT")  # fmt: skip
    assert quality["incompatible_content_ground"] and quality["incompatible_content_illegal"] == "No"
    assert "illegal_content_legal_ground" not in quality
    # No personal data: the phone number the reviewer quoted is masked, no reporter name appears.
    assert not any("13812345678" in line["decision_facts"] for line in lines)


def test_a_day_range_exports_only_that_range(world, tmp_path):
    decided(world, "counterfeit")
    assert export(tmp_path, "2026-12-08", "2026-12-08")
    assert export(tmp_path, "2026-12-09", "2026-12-31") == []
    assert export(tmp_path, "2026-11-01", "2026-12-07") == []


def test_an_unmapped_category_or_measure_stops_the_export_naming_it(world, tmp_path):
    reference = decided(world, "counterfeit")
    # A category a rulebook version once had that the [dsa] mapping does not know.
    Case.objects.filter(reference=reference).update(category="grey_imports")
    with pytest.raises(CommandError, match=r"category 'grey_imports' has no \[dsa.categories.grey_imports\]"):
        export(tmp_path)
    assert not (tmp_path / "statements.jsonl").exists()  # nothing half-written
    Case.objects.filter(reference=reference).update(category="counterfeit")
    Measure.objects.filter(kind="listing_restriction").update(kind="probation")
    with pytest.raises(CommandError, match=r"measure 'probation' \(measure \d+\) has no \[dsa.measures\] entry"):
        export(tmp_path)


def test_bad_dates_and_a_reversed_range_are_refused(world, tmp_path):
    with pytest.raises(CommandError, match="is not a day"):
        export(tmp_path, "8 December", "2026-12-31")
    with pytest.raises(CommandError, match="is before"):
        export(tmp_path, "2026-12-31", "2026-12-01")


def test_decisions_under_a_version_without_dsa_use_the_first_version_with_one(world):
    version, dsa = statements.mapping("2")
    assert version == "3" and dsa is loader.get("3").dsa


def v3_text() -> str:
    return (loader.settings.PLAINT_RULEBOOK_DIR / "v3.toml").read_text(encoding="utf-8")


DAMAGED = '[dsa.categories.damaged_on_arrival]\ncategory = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"\nground = '
IP = '"STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"'
TAKEDOWN = 'takedown = { decision_visibility = ["DECISION_VISIBILITY_CONTENT_DISABLED"] }'


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # The name of the category before the 1 July 2025 schema: refused at start-up, not by the database.
        ((IP, '"STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS"'), "dsa: categories: counterfeit: field category"),
        ((DAMAGED + '"incompatible"', DAMAGED + '"illegal"'), "legal_ground: an illegal-content ground needs the law"),
        (("[dsa.categories.service_attitude]", "[dsa.categories.rude]"), "'rude' is not a category of this rulebook"),
        ((TAKEDOWN, TAKEDOWN.replace("CONTENT_DISABLED", "OTHER")), "decision_visibility_other: needed exactly when"),
        (("warning = { statement = false }", "warning = { }"), "give at least one of decision_visibility"),
        (('territorial_scope = ["AT",', 'territorial_scope = ["CN", "AT",'), "dsa: territorial_scope"),
    ],
)
def test_the_rulebook_refuses_a_dsa_value_the_api_does_not_know(change, message):
    old, new = change
    text = v3_text()
    assert old in text
    with pytest.raises(RulebookError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(text.replace(old, new, 1), "v3.toml")


def test_a_statement_outside_the_documented_rules_fails_the_receiver():
    """The receiver itself: each documented rule refuses what breaks it (so passing it means something)."""
    good = {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DEMOTED"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "law",
        "illegal_content_explanation": "why",
        "content_type": ["CONTENT_TYPE_PRODUCT"],
        "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "territorial_scope": ["DE"],
        "content_date": "2026-12-01",
        "application_date": "2026-12-08",
        "decision_facts": "facts",
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": "plaint-PL-AAAA-BBBB-decision-1",
    }
    assert validate(good) == {}
    cases = {
        "decision_visibility": {"decision_visibility": None},
        "illegal_content_explanation": {"illegal_content_explanation": None},
        "incompatible_content_ground": {"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT"},
        "category": {"category": "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS"},
        "application_date": {"application_date": "2019-12-31"},
        "content_date": {"content_date": "2026-12-1"},
        "end_date_visibility_restriction": {"end_date_visibility_restriction": "2026-12-07"},
        "puid": {"puid": "plaint PL 1"},
        "decision_monetary_other": {"decision_monetary": "DECISION_MONETARY_OTHER"},
        "territorial_scope": {"territorial_scope": ["CN"]},
        "automated_detection": {"automated_detection": "maybe"},
        "end_date_provision_restriction": {"end_date_provision_restriction": "2026-12-09"},
    }
    for field, change in cases.items():
        assert field in validate(good | change), field


def test_application_date_is_the_day_in_plaints_time_zone(world):
    reference = decided(world, "counterfeit")
    decision = Decision.objects.get(case__reference=reference)
    Decision.objects.filter(pk=decision.pk).update(decided_at=datetime(2026, 12, 8, 23, 30, tzinfo=CST))
    decision.refresh_from_db()
    assert statements.for_decision(decision)["application_date"] == "2026-12-08"
