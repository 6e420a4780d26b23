"""Own-initiative investigations: a supervisor turns a monitoring flag into a case with no reporter; the
merchant answers it as any case, a reviewer decides it, points and the ladder apply, and the statement
(and the DSA statement's source) says the platform opened it itself."""

from datetime import timedelta

import pytest

from plaint.cases.models import Case
from plaint.dsa.statements import for_measure
from plaint.enforcement.models import Measure, PointEntry
from plaint.monitoring.jobs import compute
from plaint.monitoring.models import MonitoringFlag
from plaint.notifications.models import Notification, OutboxMessage
from plaint.transparency.jobs import compute_day
from plaint.transparency.report import parse_period, report

from .conftest import investigation_fields, photo

pytestmark = pytest.mark.django_db


def open_from_flag(world, **extra):
    fields = investigation_fields(world, flag_id=world["flag"].pk) | extra
    return world["api"]["supervisor"].post_form("/investigations", fields, photo())


def decide_upheld(world, reference, **extra):
    reviewer = world["api"]["reviewer"]
    assert reviewer.post_json(f"/review/cases/{reference}/claim", {}).status_code == 200
    return reviewer.post_json(
        f"/review/cases/{reference}/decision",
        {
            "outcome": "upheld",
            "reason_codes": ["violation_established"],
            "statement": "抽检证实为假货。The test purchase proved the goods counterfeit.",
        }
        | extra,
    )


def test_a_flag_becomes_an_investigation_the_merchant_answers_and_a_reviewer_decides_with_points(world):
    api = world["api"]
    answer = open_from_flag(world)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    ref = body["reference"]
    assert (body["channel"], body["state"]) == ("own_initiative", "awaiting_merchant")
    assert body["deadlines"]["response_due_at"] is not None
    assert [e["party"] for e in body["evidence"]] == ["platform"]
    case = Case.objects.get(reference=ref)
    assert case.reporter_id is None and case.report.reporter_id is None
    assert case.report.filed_by == world["supervisor"] and case.report.remedy_wanted == "none"

    # The flag is marked acted on and links the case; it left the open queue.
    flag = MonitoringFlag.objects.get(pk=world["flag"].pk)
    assert (flag.state, flag.case_id, flag.closed_by) == ("acted", case.pk, world["supervisor"])
    assert api["supervisor"].get("/monitoring/flags").json() == []
    [acted] = api["supervisor"].get("/monitoring/flags", state="acted").json()
    assert acted["case"] == ref

    # The merchant was told to answer; nobody else (no consumer to tell).
    told = set(Notification.objects.values_list("user__role", flat=True))
    assert told == {"merchant"}
    mails = set(OutboxMessage.objects.filter(channel="email").values_list("recipient", flat=True))
    assert mails == {world["merchant"].contact_email}

    # The merchant sees it as any case: no reporter, and no remedy to accept.
    seen = api["merchant"].get(f"/cases/{ref}").json()
    assert seen["own_initiative"] is True and seen["reporter"] is None
    assert "accept" not in seen["allowed_actions"] and "contest" in seen["allowed_actions"]
    assert "offer" not in seen["allowed_actions"]
    refused = api["merchant"].post_form(f"/cases/{ref}/response", {"kind": "accept", "explanation": "同意"})
    assert refused.status_code == 409 and refused.json()["code"] == "no_remedy_to_accept"
    contested = api["merchant"].post_form(f"/cases/{ref}/response", {"kind": "contest", "explanation": "我们是正品"})
    assert contested.status_code == 200 and contested.json()["state"] == "awaiting_review"

    # A reviewer decides: no consumer remedy can be ordered; points and the ladder as for any case.
    wrong = decide_upheld(world, ref, remedy="refund")
    assert wrong.status_code == 422 and wrong.json()["code"] == "no_consumer_remedy"
    decided = decide_upheld(world, ref)
    assert decided.status_code == 200, decided.content
    [decision] = decided.json()["decisions"]
    statement = decision["statement"]
    assert statement["source"]["own_initiative"] is True
    assert "own initiative" in statement["source"]["en"] and "主动" in statement["source"]["zh"]
    assert statement["remedy"]["kind"] == "none" and statement["points"]["points"] == 12
    assert "reporter" not in statement["appeal"]["en"].lower()
    assert PointEntry.objects.filter(decision__case=case, points=12).exists()
    restriction = Measure.objects.get(merchant=world["merchant"], kind="listing_restriction")
    # The Transparency Database's source of a measure an investigation started: own-initiative.
    assert for_measure(restriction)["source_type"] == "SOURCE_VOLUNTARY"

    # The merchant may appeal the decision as in any case.
    appeal = api["merchant"].post_form(f"/cases/{ref}/appeals", {"appealed": "outcome", "grounds": "正品有授权"})
    assert appeal.status_code == 201, appeal.content


def test_the_transparency_figures_count_investigations_under_their_own_channel(world):
    assert open_from_flag(world).status_code == 201
    compute_day((world["flag"].raised_at).date())
    figures = report(parse_period("2026-12"))
    channels = {row["channel"]: row for row in figures["by_channel"]}
    assert set(channels) == {"own_initiative"}


def test_monitoring_does_not_count_investigations_as_reports(world, time_machine):
    # Eight investigations of eight listings would be a spike of reports if they were counted as such.
    from tests import factories as f

    for n in range(8):
        f.listing(world["merchant"], f"L-{n}")
        fields = investigation_fields(world, target_id=f"L-{n}")
        assert world["api"]["supervisor"].post_form("/investigations", fields, photo()).status_code == 201
    time_machine.shift(timedelta(hours=1))
    compute()
    # Counted as reports, eight against one order would raise a report_rate flag beside the open spike.
    assert set(MonitoringFlag.objects.filter(state="open").values_list("reason", flat=True)) == {"spike"}
    assert world["merchant"].figures.get().reports == 0


def test_refusals(world):
    api = world["api"]
    for role in ("reviewer", "merchant", "agent", "consumer", "marketplace"):
        answer = api[role].post_form("/investigations", investigation_fields(world), photo())
        assert answer.status_code == 403, role
    sup = api["supervisor"]
    cases = [
        ({"category": "nonsense"}, 422, "unknown_category"),
        ({"target_type": "order", "target_id": "O-1"}, 422, None),
        ({"target_type": "listing", "target_id": "L-NONE"}, 422, "unknown_listing"),
        ({"target_type": "merchant", "target_id": "M-NONE"}, 422, "unknown_merchant"),
        # Damaged on arrival covers orders only.
        ({"category": "damaged_on_arrival"}, 422, "target_not_covered"),
        ({"flag_id": 999999}, 422, "unknown_flag"),
        # The flag is about another merchant: nothing is opened and the flag stays open.
        ({"flag_id": world["flag"].pk, "target_type": "merchant", "target_id": "M-OTHER"}, 422, "flag_other_merchant"),
    ]
    for extra, status, code in cases:
        answer = sup.post_form("/investigations", investigation_fields(world, **extra), photo())
        assert answer.status_code == status, (extra, answer.content)
        if code:
            assert answer.json()["code"] == code, extra
    # The category's required evidence must come with it: there is nobody to ask later.
    bare = sup.post_form("/investigations", investigation_fields(world))
    assert bare.status_code == 422 and bare.json()["code"] == "evidence_required"
    assert bare.json()["details"]["missing_evidence"] == ["photo_of_product"]
    assert Case.objects.count() == 0
    assert MonitoringFlag.objects.get().state == "open"

    # Idempotent, then one open investigation per target and category.
    first = sup.post_form("/investigations", investigation_fields(world), photo(), **{"Idempotency-Key": "k1"})
    again = sup.post_form("/investigations", investigation_fields(world), photo(), **{"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    dup = sup.post_form("/investigations", investigation_fields(world), photo())
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_investigation"
    # A flag acted on cannot be acted on again.
    assert open_from_flag(world, category="not_as_described").status_code == 201
    twice = open_from_flag(world, category="false_advertising", target_type="merchant", target_id="M-FLAG")
    assert twice.status_code == 409 and twice.json()["code"] == "flag_not_open"
