"""The case state machine: every legal transition of a case, in one table.

The case actions (plaint/cases/actions/) ask `transition()` before every state change; nothing else
decides legality.
Claiming a case for review is not a state: it is a lock held by a reviewer on a case in a
reviewable state, recorded on the case and in its log.
"""

from dataclasses import dataclass
from enum import StrEnum

from plaint.errors import Refused


class State(StrEnum):
    NEW = "new"
    NEEDS_EVIDENCE = "needs_evidence"
    INADMISSIBLE = "inadmissible"
    AWAITING_MERCHANT = "awaiting_merchant"
    AWAITING_REVIEW = "awaiting_review"
    RESOLVED = "resolved"  # the merchant accepted the remedy
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


# Who takes a transition. SYSTEM is Plaint itself: intake, clocks, automated decisions.
SYSTEM = "system"
CONSUMER = "consumer"
MERCHANT = "merchant"
AGENT = "agent"
REVIEWER = "reviewer"
SUPERVISOR = "supervisor"
MARKETPLACE = "marketplace"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[State]
    target: State
    actors: frozenset[str]


def _t(name: str, sources: set[State], target: State, actors: set[str]) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(actors))


OPEN_STATES = frozenset({State.NEEDS_EVIDENCE, State.AWAITING_MERCHANT, State.AWAITING_REVIEW})
FINAL_STATES = frozenset({State.INADMISSIBLE, State.RESOLVED, State.DECIDED, State.WITHDRAWN})
# States in which a reviewer may claim a case and decide it.
DECIDABLE_STATES = frozenset({State.AWAITING_REVIEW, State.NEEDS_EVIDENCE})

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("admit", {State.NEW}, State.AWAITING_MERCHANT, {SYSTEM}),
        _t("request_evidence", {State.NEW}, State.NEEDS_EVIDENCE, {SYSTEM}),
        _t("declare_inadmissible", {State.NEW}, State.INADMISSIBLE, {SYSTEM}),
        _t("complete_evidence", {State.NEEDS_EVIDENCE}, State.AWAITING_MERCHANT, {SYSTEM}),
        _t("close_for_missing_evidence", {State.NEEDS_EVIDENCE}, State.DECIDED, {SYSTEM}),
        # The merchant accepts the remedy asked for; or either party accepts the other's offer in the
        # case's negotiation (协商: cases/actions/negotiation.py), the consumer's side included.
        _t("accept_remedy", {State.AWAITING_MERCHANT}, State.RESOLVED, {MERCHANT, CONSUMER, AGENT, MARKETPLACE}),
        _t("contest", {State.AWAITING_MERCHANT}, State.AWAITING_REVIEW, {MERCHANT}),
        _t("propose_rectification", {State.AWAITING_MERCHANT}, State.AWAITING_REVIEW, {MERCHANT}),
        _t("refer_silence_to_review", {State.AWAITING_MERCHANT}, State.AWAITING_REVIEW, {SYSTEM}),
        _t("uphold_for_silence", {State.AWAITING_MERCHANT}, State.DECIDED, {SYSTEM}),
        # A reviewer asks the reporter for more evidence during review; the platform's clocks pause
        # until it comes (or its deadline passes) and the case returns to review.
        _t("request_more_evidence", {State.AWAITING_REVIEW}, State.NEEDS_EVIDENCE, {REVIEWER, SUPERVISOR}),
        _t("return_to_review", {State.NEEDS_EVIDENCE}, State.AWAITING_REVIEW, {SYSTEM}),
        _t("decide", DECIDABLE_STATES, State.DECIDED, {REVIEWER, SUPERVISOR}),
        _t("withdraw", OPEN_STATES, State.WITHDRAWN, {CONSUMER, AGENT, MARKETPLACE}),
        # The one way back from a closed state: an appeal overturns an inadmissibility, and the
        # case goes to the merchant as an admitted one would (cases/actions/appeals.py).
        _t("readmit_on_appeal", {State.INADMISSIBLE}, State.AWAITING_MERCHANT, {SUPERVISOR, SYSTEM}),
        # The other: the merchant accepted the remedy but the money never arrived; within the
        # rulebook's reopen_days the reporter reopens the case and it goes to review
        # (cases/actions/remedies.py). The merchant already answered, so it does not go back to it.
        _t("reopen_unpaid", {State.RESOLVED}, State.AWAITING_REVIEW, {CONSUMER, AGENT}),
    ]
}


def _check(
    table: dict[str, "Transition"], subject: str, name: str, source: str, actor: str, state_code: str
) -> "Transition":
    """Return the transition `name` of `table` if `actor` may take it from `source`; raise Refused if not.

    `subject` names what changes state in the messages ("case", "appeal"); `state_code` is the refusal's
    code when the state does not allow it.
    """
    article = "An" if subject[0] in "aeiou" else "A"
    kind = "" if subject == "case" else f"{subject} "
    try:
        t = table[name]
    except KeyError:
        raise Refused("unknown_transition", f"There is no {kind}transition called {name!r}.") from None
    if source not in t.sources:
        raise Refused(
            state_code,
            f"{article} {subject} in state '{source}' cannot be '{name}'; that needs {article.lower()} {subject} "
            f"in state {' or '.join(sorted(repr(s.value) for s in t.sources))}.",
            details={"state": source, "transition": name},
        )
    if actor not in t.actors:
        raise Refused(
            "transition_not_allowed_for_role",
            f"The role '{actor}' cannot take the {kind}transition '{name}'.",
            details={"state": source, "transition": name, "role": actor},
        )
    return t


def transition(name: str, source: str, actor: str) -> Transition:
    """Return the transition `name` if `actor` may take it from state `source`; raise Refused if not."""
    return _check(TRANSITIONS, "case", name, source, actor, "transition_not_allowed")


def allowed(source: str, actor: str) -> list[str]:
    """Return the names of the transitions `actor` may take from `source`."""
    return [t.name for t in TRANSITIONS.values() if source in t.sources and actor in t.actors]


# --- appeals ---------------------------------------------------------------------------------------
# An appeal's own small state machine, beside the case's: filed into the other party's answer window
# (or straight to awaiting a decision where the rulebook gives no answer days), then decided.


class AppealState(StrEnum):
    ANSWER_WINDOW = "answer_window"
    AWAITING_DECISION = "awaiting_decision"
    DECIDED = "decided"


APPEAL_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        # The other party answers (once), or the answer window closes (a deadline: Plaint itself).
        _t(
            "answer",
            {AppealState.ANSWER_WINDOW},
            AppealState.AWAITING_DECISION,
            {CONSUMER, AGENT, MARKETPLACE, MERCHANT},
        ),
        _t("close_answer_window", {AppealState.ANSWER_WINDOW}, AppealState.AWAITING_DECISION, {SYSTEM}),
        # Reconsideration by a supervisor; the committee's panel decides as Plaint itself (SYSTEM).
        _t("decide_appeal", {AppealState.AWAITING_DECISION}, AppealState.DECIDED, {SUPERVISOR, SYSTEM}),
    ]
}


def appeal_transition(name: str, source: str, actor: str) -> Transition:
    """Return the appeal transition `name` if `actor` may take it from appeal state `source`; raise Refused if not."""
    return _check(APPEAL_TRANSITIONS, "appeal", name, source, actor, "appeal_transition_not_allowed")
