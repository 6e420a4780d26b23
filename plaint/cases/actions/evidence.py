"""Evidence after filing: the parties add it; a reviewer asks for more; its deadline runs out.

The reporter's last missing piece admits a case (the merchant's turn begins); evidence a reviewer asked
for returns the case to review with its paused clocks. When the deadline passes first, a case asked for
evidence at intake closes as not upheld (automated), one asked during review returns to review.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.evidence.actions import Upload, check_uploads
from plaint.evidence.models import Party
from plaint.notifications.emails import at
from plaint.reporters import flaggers
from plaint.rulebook import evaluation, loader
from plaint.rulebook.evaluation import ADMITTED

from .. import chain, clocks, problems
from ..models import Case, Decision
from ..notices import tell
from ..transitions import OPEN_STATES, State, transition
from .common import Filed, _apply, _attach, _category, _change, _locked, _reporter_side, _require_decider, no_reporter
from .decisions import _make_decision
from .merchant_response import _tell_merchant_to_answer
from .review import return_claim


def add_evidence(actor: User, case: Case, uploads: list[Upload], *, now: datetime | None = None) -> Filed:
    """Add evidence files to an open case, for the reporter's side or the merchant's.

    When the reporter adds the last piece a case waited for, the case is admitted and goes to the merchant.
    """
    now = now or timezone.now()
    rulebook = loader.get(case.rulebook_version)
    if _reporter_side(actor, case):
        party = Party.REPORTER
    elif actor.role == Role.MERCHANT and actor.merchant_id == case.merchant_id:
        party = Party.MERCHANT
    else:
        raise Forbidden("not_a_party", "Only the parties to a case can add evidence to it.")
    if case.state not in OPEN_STATES:
        raise Refused("case_closed", f"The case is {case.state}; evidence can only be added to an open case.")
    if party == Party.MERCHANT and case.state != State.AWAITING_MERCHANT:
        raise Refused("not_awaiting_merchant", "The merchant adds counter-evidence while the case awaits its answer.")
    if case.state == State.NEEDS_EVIDENCE and case.evidence_due_at and now > case.evidence_due_at:
        raise Refused(
            "evidence_deadline_passed",
            f"The deadline for evidence passed at {timezone.localtime(case.evidence_due_at):%Y-%m-%d %H:%M}.",
        )
    category = rulebook.category(case.category)
    if category is not None:
        flaggers.check_flagger_evidence(
            rulebook, category, {u.kind for u in uploads}, flagger=actor.role == Role.TRUSTED_FLAGGER
        )
    checked, rejected = check_uploads(list(uploads), rulebook)
    if not checked:
        raise InvalidInput(
            "no_valid_evidence",
            "None of the files could be accepted.",
            field="files",
            details={"rejected_files": [r.as_dict() for r in rejected]},
        )
    with transaction.atomic():
        case = _locked(case)
        if case.state not in OPEN_STATES:
            raise Refused("case_closed", f"The case is {case.state}; evidence can only be added to an open case.")
        chain.append(case, _attach(case, checked, rejected, actor, party, now)[1])
        _change(case, now)
        if case.state == State.NEEDS_EVIDENCE and case.admissibility.get("review_request"):
            request = case.admissibility["review_request"]
            since = datetime.fromisoformat(request["requested_at"])
            added = set(
                case.evidence.filter(party=Party.REPORTER, uploaded_at__gte=since).values_list("kind", flat=True)
            )
            missing = [kind for kind in request["kinds"] if kind not in added]
            if not missing:
                _return_to_review(case, now, "The evidence the reviewer asked for is complete.")
            else:
                _change(case, now, admissibility=case.admissibility | {"missing_evidence": missing})
        elif case.state == State.NEEDS_EVIDENCE:
            category = _category(rulebook, case.category)
            present = set(case.evidence.filter(party=Party.REPORTER).values_list("kind", flat=True))
            if problems.several(case):
                # A report of several problems: each waiting problem is judged on its own evidence.
                missing = problems.reassess_evidence(case, rulebook, present)
            else:
                missing = evaluation.missing_evidence(category, present)
            if not missing:
                _admit(case, now, "The required evidence is now complete.")
            else:
                admissibility = case.admissibility | {"missing_evidence": list(missing)}
                _change(case, now, admissibility=admissibility)
    return Filed(case, created=False, rejected_files=[r.as_dict() for r in rejected])


def _admit(case: Case, now: datetime, reason: str, **data: object) -> None:
    """Admit a case waiting for evidence: the merchant's turn begins (its clock, its notice)."""
    admissibility = case.admissibility | {"outcome": ADMITTED, "missing_evidence": []}
    _apply(
        case,
        "complete_evidence",
        None,
        now,
        reason=reason,
        data=data or None,
        admissibility=admissibility,
        evidence_due_at=None,
        response_due_at=clocks.start(case, "merchant_response", now).due_at,
    )
    tell(case, "admitted", now, f"{case.reference}-admitted", reporter=True, merchant=False)
    _tell_merchant_to_answer(case, now)


def admit_evidenced_problems(case: Case, *, now: datetime | None = None) -> Case | None:
    """At the evidence deadline of a report of several problems: go on with the problems that have their evidence.

    The problems still missing evidence are closed as not upheld (logged); the case is admitted for
    the others. Return None when the case does not qualify (one problem, none evidenced, or acted on).
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        if case.state != State.NEEDS_EVIDENCE or not case.evidence_due_at or case.evidence_due_at > now:
            return None
        if case.admissibility.get("review_request"):
            return None
        if not any(p.intake == ADMITTED for p in problems.live(case)):
            return None
        due = timezone.localtime(case.evidence_due_at)
        dropped = [p.category for p in problems.live(case) if p.intake != ADMITTED]
        kept = problems.drop_unevidenced(case)
        _admit(
            case,
            now,
            f"The evidence for {', '.join(dropped)} was not added by {due:%Y-%m-%d %H:%M}; those problems are "
            f"not upheld for insufficient evidence, and the report goes on with {', '.join(kept)}.",
            not_upheld=dropped,
            kept=kept,
        )
    return case


def request_more_evidence(actor: User, case: Case, kinds: list[str], note: str, *, now: datetime | None = None) -> Case:
    """The reviewer holding the claim asks the reporter for more evidence.

    The platform's clocks (acknowledgement, decision) pause until the evidence comes or the
    rulebook's evidence deadline passes; then the case returns to review and they resume.
    """
    now = now or timezone.now()
    _require_decider(actor)
    if case.reporter_id is None:
        # Nobody to ask on an investigation: the reviewer asks the merchant in the thread instead.
        raise no_reporter(case)
    rulebook = loader.get(case.rulebook_version)
    unknown = [kind for kind in kinds if kind not in rulebook.evidence_kinds]
    if not kinds or unknown:
        raise InvalidInput(
            "evidence_kinds",
            f"Unknown evidence kind(s): {', '.join(unknown)}." if unknown else "Name the evidence you need.",
            field="kinds",
            hint="Use: " + ", ".join(rulebook.evidence_kinds),
        )
    if len(note.strip()) < 4:
        raise InvalidInput("note", "Tell the reporter what you need and why.", field="note")
    with transaction.atomic():
        case = _locked(case)
        if case.claimed_by_id != actor.pk or (case.claim_expires_at and case.claim_expires_at <= now):
            raise Refused("claim_required", "Claim the case before asking for evidence; your claim may have lapsed.")
        transition("request_more_evidence", case.state, actor.role)
        clocks.pause(case, now)
        due = clocks.due_at("evidence", now, rulebook, case)
        request = {
            "kinds": list(dict.fromkeys(kinds)),
            "requested_at": now.isoformat(),
            "note": note.strip(),
            "reviewer_id": actor.pk,
        }
        # The claim waits with the case: it holds until the evidence deadline at the latest, and the
        # case's return to review renews it (review.keep_claim), so it never lapses while the
        # reporter is the one to act.
        _apply(
            case,
            "request_more_evidence",
            actor,
            now,
            reason=note.strip(),
            data={"kinds": request["kinds"], "evidence_due_at": due.isoformat()},
            admissibility=case.admissibility | {"missing_evidence": request["kinds"], "review_request": request},
            evidence_due_at=due,
            decision_due_at=None,
            claim_expires_at=max(due, case.claim_expires_at or due),
        )
        names = {
            lang: ", ".join(getattr(rulebook.evidence_kinds[k], lang) for k in request["kinds"])
            for lang in "zh en".split()
        }
        tell(
            case,
            "evidence_requested",
            now,
            f"{case.reference}-more-evidence-{now.timestamp():.0f}",
            reporter=True,
            merchant=False,
            outcome={
                "zh": f"审核员需要：{names['zh']}。{note.strip()}",
                "en": f"The reviewer needs: {names['en']}. {note.strip()}",
            },
            due=at(due),
        )
    return case


def _return_to_review(case: Case, now: datetime, reason: str) -> None:
    resumed = clocks.resume(case, now)
    request = case.admissibility.get("review_request") or {}
    admissibility = {k: v for k, v in case.admissibility.items() if k != "review_request"} | {"missing_evidence": []}
    _apply(
        case,
        "return_to_review",
        None,
        now,
        reason=reason,
        admissibility=admissibility,
        evidence_due_at=None,
        decision_due_at=resumed.get("decision", case.decision_due_at),
    )
    return_claim(case, request, now)


def return_to_review(case: Case, *, now: datetime | None = None) -> Case | None:
    """Return to review a case whose reviewer's request for evidence ran out; None if it no longer qualifies."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        if (
            case.state != State.NEEDS_EVIDENCE
            or not case.admissibility.get("review_request")
            or not case.evidence_due_at
            or case.evidence_due_at > now
        ):
            return None
        due = timezone.localtime(case.evidence_due_at)
        _return_to_review(case, now, f"The evidence asked for did not come by {due:%Y-%m-%d %H:%M}; back to review.")
    return case


def close_for_missing_evidence(case: Case, *, now: datetime | None = None) -> Decision | None:
    """Close a case whose evidence deadline passed as not upheld for insufficient evidence (automated).

    Return None when the case no longer qualifies (someone acted first).
    """
    now = now or timezone.now()
    rulebook = loader.get(case.rulebook_version)
    with transaction.atomic():
        case = _locked(case)
        if case.state != State.NEEDS_EVIDENCE or not case.evidence_due_at or case.evidence_due_at > now:
            return None
        missing = list(case.admissibility.get("missing_evidence") or [])
        due = timezone.localtime(case.evidence_due_at)
        facts = (
            f"The report needed evidence that was not added by the deadline of {due:%Y-%m-%d %H:%M}. "
            f"报告所需证据未在 {due:%Y-%m-%d %H:%M} 前补充。"
        )
        decision = _make_decision(
            case,
            rulebook,
            outcome="not_upheld",
            reason_codes=["insufficient_evidence"],
            facts=facts,
            remedy="none",
            remedy_amount=None,
            automated=True,
            actor=None,
            missing=missing,
            now=now,
        )
        _apply(
            case,
            "close_for_missing_evidence",
            None,
            now,
            reason=facts,
            data=chain.decision_data(decision) | {"outcome": "not_upheld", "missing_evidence": missing},
        )
    return decision


def _evidence_deadline(case: Case, now: datetime) -> bool:
    if admit_evidenced_problems(case, now=now) is not None:
        return True
    return close_for_missing_evidence(case, now=now) is not None


def _requested_evidence_deadline(case: Case, now: datetime) -> bool:
    return return_to_review(case, now=now) is not None


clocks.on_deadline("evidence", _evidence_deadline)
clocks.on_deadline("requested_evidence", _requested_evidence_deadline)
