"""The state machine table, walked over every pair of states and every role."""

import pytest

from plaint.cases.transitions import (
    APPEAL_TRANSITIONS,
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    AppealState,
    State,
    allowed,
    appeal_transition,
    transition,
)
from plaint.errors import Refused

ROLES = ["system", "consumer", "merchant", "agent", "reviewer", "supervisor", "marketplace", "admin"]

# The whole expected graph, written out independently of the table it checks.
EXPECTED = {
    ("new", "awaiting_merchant"): {"admit"},
    ("new", "needs_evidence"): {"request_evidence"},
    ("new", "inadmissible"): {"declare_inadmissible"},
    ("needs_evidence", "awaiting_merchant"): {"complete_evidence"},
    ("needs_evidence", "decided"): {"close_for_missing_evidence", "decide"},
    ("needs_evidence", "withdrawn"): {"withdraw"},
    ("awaiting_merchant", "resolved"): {"accept_remedy"},
    ("awaiting_merchant", "awaiting_review"): {"contest", "propose_rectification", "refer_silence_to_review"},
    ("awaiting_merchant", "decided"): {"uphold_for_silence"},
    ("awaiting_merchant", "withdrawn"): {"withdraw"},
    ("awaiting_review", "decided"): {"decide"},
    ("awaiting_review", "needs_evidence"): {"request_more_evidence"},
    ("needs_evidence", "awaiting_review"): {"return_to_review"},
    ("awaiting_review", "withdrawn"): {"withdraw"},
    ("inadmissible", "awaiting_merchant"): {"readmit_on_appeal"},
    ("resolved", "awaiting_review"): {"reopen_unpaid"},
}


@pytest.mark.parametrize("source", list(State))
@pytest.mark.parametrize("target", list(State))
def test_every_pair_of_states(source, target):
    names = {t.name for t in TRANSITIONS.values() if source in t.sources and t.target == target}
    assert names == EXPECTED.get((source.value, target.value), set())


def test_final_states_have_no_way_out_but_an_overturned_inadmissibility_and_an_unpaid_remedy():
    for state in FINAL_STATES:
        for role in ROLES:
            expected = []
            if state == "inadmissible" and role in ("supervisor", "system"):
                expected = ["readmit_on_appeal"]
            if state == "resolved" and role in ("consumer", "agent"):
                expected = ["reopen_unpaid"]
            assert allowed(state, role) == expected


def test_illegal_transition_is_refused_with_the_states_it_needs():
    with pytest.raises(Refused) as exc:
        transition("decide", "awaiting_merchant", "reviewer")
    assert exc.value.code == "transition_not_allowed"
    assert "awaiting_review" in exc.value.message


def test_wrong_role_is_refused():
    with pytest.raises(Refused) as exc:
        transition("decide", "awaiting_review", "merchant")
    assert exc.value.code == "transition_not_allowed_for_role"


def test_only_the_merchant_answers_and_only_parties_withdraw():
    assert set(allowed("awaiting_merchant", "merchant")) == {"accept_remedy", "contest", "propose_rectification"}
    assert allowed("awaiting_merchant", "reviewer") == []
    for state in OPEN_STATES:
        assert "withdraw" in allowed(state, "consumer")
        assert "withdraw" not in allowed(state, "merchant")


# The appeal's own table, walked the same way.
APPEAL_EXPECTED = {
    ("answer_window", "awaiting_decision"): {"answer", "close_answer_window"},
    ("awaiting_decision", "decided"): {"decide_appeal"},
}


@pytest.mark.parametrize("source", list(AppealState))
@pytest.mark.parametrize("target", list(AppealState))
def test_every_pair_of_appeal_states(source, target):
    names = {t.name for t in APPEAL_TRANSITIONS.values() if source in t.sources and t.target == target}
    assert names == APPEAL_EXPECTED.get((source.value, target.value), set())


def test_a_decided_appeal_has_no_way_out_and_only_parties_answer():
    for t in APPEAL_TRANSITIONS.values():
        assert AppealState.DECIDED not in t.sources
    assert APPEAL_TRANSITIONS["answer"].actors == {"consumer", "agent", "marketplace", "merchant"}
    assert APPEAL_TRANSITIONS["close_answer_window"].actors == {"system"}
    with pytest.raises(Refused) as exc:
        appeal_transition("decide_appeal", "answer_window", "supervisor")
    assert exc.value.code == "appeal_transition_not_allowed"
    with pytest.raises(Refused) as exc:
        appeal_transition("decide_appeal", "awaiting_decision", "reviewer")
    assert exc.value.code == "transition_not_allowed_for_role"
