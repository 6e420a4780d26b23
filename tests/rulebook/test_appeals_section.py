"""The rulebook's [appeals]: windows, the other party's answer, routes, the committee's panel; versions without it."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

from plaint.rulebook import loader
from plaint.rulebook.calendar import deadline
from plaint.rulebook.loader import RulebookError, parse

V2 = (Path(settings.BASE_DIR) / "rulebook" / "v2.toml").read_text(encoding="utf-8")
V1 = (Path(settings.BASE_DIR) / "rulebook" / "v1.toml").read_text(encoding="utf-8")


def test_v2_gives_15_days_for_an_outcome_7_for_a_penalty_5_to_answer_and_reconsiders_everything():
    rulebook = parse(V2, "v2.toml")
    appeals = rulebook.appeals
    assert (appeals.outcome_days, appeals.penalty_days, appeals.answer_days) == (15, 7, 5)
    assert (rulebook.outcome_appeal_days(), rulebook.penalty_appeal_days()) == (15, 7)
    assert appeals.refund_on_merchant_win == "keep"
    for category in rulebook.categories:
        for what in ("outcome", "inadmissibility", "remedy", "points", "measures", "penalty"):
            assert appeals.routes.route(category.code, what) == "reconsideration"
    assert appeals.panel.seats == ("consumer_rep", "expert", "lawyer")
    assert len(appeals.panel.serious_seats) == 5
    assert rulebook.sla.stage("committee").days == 10
    assert "DSA art. 20" in V2 and "six months" in V2


def test_a_version_without_appeals_keeps_the_penalty_appeal_alone():
    rulebook = loader.get("1")
    assert rulebook.appeals is None
    assert rulebook.penalty_appeal_days() == rulebook.points.appeal_days == 7
    assert rulebook.outcome_appeal_days() == rulebook.intake.appeal_window_days
    with pytest.raises(KeyError):
        rulebook.sla.stage("committee")


def test_the_window_deadlines_count_calendar_days_from_the_decision():
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    CST = ZoneInfo("Asia/Shanghai")
    rulebook = parse(V2, "v2.toml")
    start = datetime(2026, 12, 3, 10, tzinfo=CST)
    assert deadline(rulebook, "decision_appeal", start) == start + timedelta(days=15)
    assert deadline(rulebook, "penalty_appeal", start) == start + timedelta(days=7)
    assert deadline(rulebook, "appeal_answer", start) == start + timedelta(days=5)


ROUTES = '[appeals.routes]\ndefault = "reconsideration"\n'


def test_the_most_specific_route_wins():
    text = V2.replace(ROUTES, '[appeals.routes]\ndefault = "committee"\n').replace(
        '[appeals.routes.categories.counterfeit]\ndefault = "reconsideration"\n',
        '[appeals.routes.categories.counterfeit]\ndefault = "reconsideration"\noutcome = "committee"\n',
    )
    routes = parse(text, "v2.toml").appeals.routes
    assert routes.route("product_quality", "outcome") == "committee"  # default
    assert routes.route("product_quality", "penalty") == "reconsideration"  # what is appealed
    assert routes.route("counterfeit", "penalty") == "reconsideration"  # the category's default
    assert routes.route("counterfeit", "outcome") == "committee"  # the category's entry for what is appealed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("outcome_days = 15\n", ""), r"appeals: field outcome_days: Field required"),
        (('refund_on_merchant_win = "keep"', 'refund_on_merchant_win = "sometimes"'), r"refund_on_merchant_win"),
        (
            (ROUTES, '[appeals.routes]\ndefault = "tribunal"\n'),
            r"routes: field default: Input should be .reconsideration. or .committee.",
        ),
        (
            ("[appeals.routes.categories.counterfeit]", "[appeals.routes.categories.fakes]"),
            r"'fakes' is not a category",
        ),
        (
            (
                '[appeals.routes.categories.counterfeit]\ndefault = "reconsideration"',
                '[appeals.routes.categories.counterfeit]\nrefund = "committee"',
            ),
            r"counterfeit: 'refund' is not 'default' or one of",
        ),
        (('seats = ["consumer_rep", "expert", "lawyer"]', 'seats = ["consumer_rep", "expert"]'), r"even number"),
        (('seats = ["consumer_rep", "expert", "lawyer"]', 'seats = ["consumer_rep", "judge", "lawyer"]'), r"seats"),
        (('serious_tracks = ["serious"]', 'serious_tracks = ["grave"]'), r"serious_tracks: 'grave' is not one of"),
        (
            ("[intake]\n", "[intake]\nappeal_window_days = 15\n"),
            r"appeal_window_days: \[appeals\] outcome_days says it",
        ),
        (("[points]\n", "[points]\nappeal_days = 7\n"), r"appeal_days: \[appeals\] penalty_days says it"),
    ],
)
def test_a_wrong_appeals_section_is_refused_with_the_field(change, message):
    old, new = change
    assert old in V2
    with pytest.raises(RulebookError, match=message):
        parse(V2.replace(old, new, 1), "v2.toml")


def test_the_committee_needs_a_panel_and_a_clock():
    to_committee = V2.replace(ROUTES, '[appeals.routes]\ndefault = "committee"\n')
    assert parse(to_committee, "v2.toml").appeals.routes.default == "committee"
    no_panel = to_committee.split("# The committee's panel: three")[0]
    with pytest.raises(RulebookError, match=r"appeals: panel: appeals go to the committee"):
        parse(no_panel, "v2.toml")
    start, end = to_committee.index("[sla.committee]"), to_committee.index("[points]")
    with pytest.raises(RulebookError, match=r"sla: committee: appeals go to the committee"):
        parse(to_committee[:start] + to_committee[end:], "v2.toml")


def test_a_version_without_appeals_still_needs_its_two_windows():
    with pytest.raises(RulebookError, match=r"points: appeal_days: required without an \[appeals\] section"):
        parse(V1.replace("appeal_days = 7\n", ""), "v1.toml")


def test_version_3_sends_appeals_to_the_committee_but_inadmissibility_from_7_december():
    assert loader.in_force(datetime(2026, 12, 6, 15, 59, tzinfo=UTC)).version == "2"
    rulebook = loader.in_force(datetime(2026, 12, 6, 16, 0, tzinfo=UTC))
    assert rulebook.version == "3"
    routes = rulebook.appeals.routes
    assert [routes.route("counterfeit", kind) for kind in ("outcome", "remedy", "penalty", "inadmissibility")] == [
        "committee",
        "committee",
        "committee",
        "reconsideration",
    ]
    assert loader.get("2").appeals.routes.route("not_as_described", "outcome") == "reconsideration"
