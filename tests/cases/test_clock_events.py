"""What a clock's events say about how it counted (issue 18, faults 4 and 5).

- A clock that reaches past the calendar's officially covered years (cn.toml: 2027 is provisional)
  says so in the data of its clock_started, clock_paused and clock_resumed events.
- The acknowledgement clock counts business hours (rulebook [sla.acknowledgement] time = "business"):
  a case reaching review outside working hours starts counting at the next working hour, and its
  clock_started event says from when.
"""

from datetime import timedelta

from plaint.cases import actions, clocks
from plaint.cases.models import CaseEvent
from plaint.evidence.actions import Upload
from plaint.rulebook import loader
from tests.cases.test_clocks import at, clock, contested

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def event(case, kind, stage):
    return CaseEvent.objects.filter(case=case, kind=kind, data__stage=stage).latest("id")


def test_a_clock_reaching_an_uncovered_year_says_it_counts_without_the_official_arrangement(people):
    # Tuesday 29 December 2026: the decision's 5 business days run into January 2027.
    case = contested(people, at(2026, 12, 29, 10))
    started = event(case, "clock_started", "decision")
    assert started.data["weekday_rule_from"] == "2027-01-01"
    assert "no official arrangement from 2027-01-01" in started.reason
    # 1 January 2027 is a statutory holiday (provisionally listed): not counted.
    assert case.decision_due_at == at(2027, 1, 6, 10)
    # The acknowledgement's 4 hours end the same day: nothing to say.
    assert "weekday_rule_from" not in event(case, "clock_started", "acknowledgement").data

    actions.claim_case(people["reviewer"], case, now=at(2026, 12, 29, 11))
    actions.request_more_evidence(
        people["reviewer"], case, ["inspection_report"], "请提供质检报告", now=at(2026, 12, 29, 12)
    )
    assert event(case, "clock_paused", "decision").data["weekday_rule_from"] == "2027-01-01"
    upload = Upload("r.pdf", PDF, "inspection_report")
    actions.add_evidence(people["consumer"], case, [upload], now=at(2027, 1, 4, 10))
    resumed = event(case, "clock_resumed", "decision")
    assert resumed.data["weekday_rule_from"] == "2027-01-04"


def test_a_clock_inside_the_covered_year_says_nothing_of_it(people):
    case = contested(people, at(2026, 12, 8, 10))
    assert "weekday_rule_from" not in event(case, "clock_started", "decision").data


def test_the_acknowledgement_of_a_case_reaching_review_on_a_weekend_starts_at_the_next_working_hour(people):
    for version in ("1", "2", "3"):
        stage = loader.get(version).sla.acknowledgement
        assert (stage.time, stage.calendar) == ("business", "cn")
    saturday = at(2026, 12, 12, 15)
    assert saturday.isoweekday() == 6
    case = contested(people, saturday)
    assert case.rulebook_version in ("3", "4")  # version 3's rule, kept by version 4
    started = event(case, "clock_started", "acknowledgement")
    monday = at(2026, 12, 14, 9)
    assert started.data["counts_from"] == monday.isoformat()
    hours = loader.get("3").sla.acknowledgement.hours
    assert clock(case, "acknowledgement").due_at == monday + timedelta(hours=hours)
    # Nothing runs out over the weekend, nor on Monday morning before the hours have passed.
    assert clocks.tick(at(2026, 12, 14, 8, 59)).breached == {}
    assert clocks.tick(monday + timedelta(hours=hours, seconds=-1)).breached == {}
    assert clocks.tick(monday + timedelta(hours=hours)).breached == {"acknowledgement": 1}
    # A case reaching review inside working hours starts counting at once.
    inside = contested(people, at(2026, 12, 14, 10), order_id="O-2")
    assert "counts_from" not in event(inside, "clock_started", "acknowledgement").data
