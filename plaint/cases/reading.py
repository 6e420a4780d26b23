"""What each side reads about a case: one function, used by the API and the pages alike.

The merchant never sees the reporter's contact details, nor the original of an image the reporter
sent (only the copy without location data); staff see everything. The marketplace's system client
reads cases like staff, but without any person's contact details or account names: it acts on
orders by their reference and knows its own consumer by the consumer id (docs/webhooks.md).
"""

from datetime import datetime
from typing import Any

from django.utils import timezone, translation

from plaint.accounts.models import Role, User
from plaint.committee.models import Panel
from plaint.db import select_rows
from plaint.enforcement.models import RemedyInstruction, RemedyState
from plaint.evidence.forensics import flag_item
from plaint.evidence.models import Evidence, EvidenceFlag, Party
from plaint.rulebook import loader

from . import chain, priority, problems, progress, statements
from .access import MERCHANT, REPORTER, STAFF, side_of
from .clocks import reopen_window
from .masking import mask_text, masked_name
from .models import (
    Appeal,
    Case,
    CaseEvent,
    CaseMessage,
    CaseRating,
    Decision,
    Offer,
    OfferKind,
    OfferState,
    ReporterReply,
)
from .queries import timeline
from .transitions import DECIDABLE_STATES, FINAL_STATES, AppealState, State, allowed


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


_masked = masked_name


def sees_people(viewer: User) -> bool:
    """Return whether the viewer reads who the people behind a case are: names, contact details, accounts.

    False for the marketplace's system client, which needs none of them to carry out an instruction.
    """
    return viewer.role != Role.MARKETPLACE


def evidence_url(case: Case, evidence: Evidence) -> str:
    return f"/api/cases/{case.reference}/evidence/{evidence.pk}/file"


def evidence_item(case: Case, evidence: Evidence) -> dict[str, Any]:
    """Return one evidence file as every side reads it; `thumbnail_url` and `view_url` are None when absent.

    The pages show `thumbnail_url` in galleries, `view_url` (else `url`) when a photo is opened, and
    play a video (`duration`, in seconds) from `url`.
    """
    url = evidence_url(case, evidence)
    return {
        "id": evidence.pk,
        "kind": evidence.kind,
        "party": evidence.party,
        "file_name": evidence.original_name,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "captured_at": _iso(evidence.captured_at),
        "uploaded_at": _iso(evidence.uploaded_at),
        "url": url,
        "thumbnail_url": f"{url[: -len('file')]}thumbnail" if evidence.thumbnail else None,
        "view_url": f"{url[: -len('file')]}view" if evidence.view_file else None,
        "duration": evidence.duration,
    }


def file_for(viewer: User, evidence: Evidence) -> Any:
    """Return the stored file the viewer may download: the original for its own side and platform staff.

    The marketplace's system client reads cases like staff but gets the copy without location data.
    """
    side = side_of(viewer)
    own = (side == REPORTER and evidence.party == Party.REPORTER) or (
        side == MERCHANT and evidence.party == Party.MERCHANT
    )
    return evidence.file if viewer.is_platform_staff or own else evidence.shared_file


# What an event's data may hold that names a person or the channel a reporter used (a call or chat
# reference, an e-mail's Message-ID): left out for the merchant and for the marketplace.
PERSONAL_EVENT_DATA = ("channel_reference", "agent", "holder")


# Events of the negotiation thread whose words are a party's own (masked for the merchant when the reporter's).
THREAD_EVENTS = frozenset({"message_posted", "offer_made", "offer_declined", "offer_withdrawn"})


def event_item(event: CaseEvent, side: str, *, people: bool = True, reporter_name: str | None = None) -> dict[str, Any]:
    """Return an event as `side` reads it; without `people`, no account names and no personal data.

    `reporter_name` is masked in the reporter's words the merchant reads (read from the case if not given).
    """
    item = {
        "kind": event.kind,
        "at": event.at.isoformat(),
        "actor_role": event.actor_role,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "rulebook_version": event.rulebook_version,
        "data": event.data,
    }
    if (side == MERCHANT and event.kind == "filed") or not people:
        # The call or chat reference and the agent's name are the platform's and the reporter's business.
        item["data"] = {k: v for k, v in event.data.items() if k not in PERSONAL_EVENT_DATA}
    if side == MERCHANT and event.kind in THREAD_EVENTS and event.data.get("party") == "reporter":
        # The reporter's words in the negotiation, masked as the report is.
        names = (reporter_name,) if reporter_name is not None else event.case.reporter_names()
        item["reason"] = mask_text(event.reason, names)
        item["data"] = item["data"] | {k: mask_text(v, names) for k in ("text", "note") if (v := event.data.get(k))}
    if side == STAFF:
        # A consumer's account name may be their phone number or e-mail address.
        item["actor"] = event.actor.username if event.actor_id and people else None
        item["visibility"] = event.visibility
    return item


def appeal_item(appeal: Appeal, side: str) -> dict[str, Any]:
    """Return an appeal as the case's readers see it (the deciding supervisor named to staff only)."""
    item = {
        "id": appeal.pk,
        "decision_id": appeal.decision_id,
        "party": appeal.party,
        "appealed": appeal.appealed,
        "route": appeal.route,
        "state": appeal.state,
        "grounds": appeal.grounds,
        "filed_at": _iso(appeal.filed_at),
        "window_closes_at": _iso(appeal.window_closes_at),
        "answer_due_at": _iso(appeal.answer_due_at),
        "answer": appeal.answer,
        "answered_at": _iso(appeal.answered_at),
        "evidence_ids": appeal.evidence_ids,
        "answer_evidence_ids": appeal.answer_evidence_ids,
        "result": appeal.result or None,
        "reasons": appeal.reasons,
        "variation": appeal.variation,
        "decided_at": _iso(appeal.decided_at),
    }
    if side == STAFF:
        item["decided_by"] = appeal.decided_by.username if appeal.decided_by_id else None
    if side == MERCHANT:
        # The reporter's words (its grounds, or its answer to the merchant's appeal), personal data masked.
        names = appeal.case.reporter_names()
        key = "grounds" if appeal.party == "reporter" else "answer"
        item[key] = mask_text(item[key], names)
    item["panel"] = appeal_panel(appeal) if appeal.route == "committee" else None
    return item


def appeal_panel(appeal: Appeal) -> dict[str, Any] | None:
    """Return the committee panel deciding an appeal as the parties see it (by seat, never by name), or None.

    `state` is waiting (too few eligible members: the committee's secretary is told), voting or decided.
    """
    panel = Panel.objects.filter(subject=f"appeal:{appeal.pk}").order_by("-id").first()
    if panel is None:
        return None
    return {
        "id": panel.pk,
        "state": panel.state,
        "seats": panel.composition,
        "missing": panel.missing,
        "seed": panel.seed,
        "drawn_at": _iso(panel.drawn_at),
        "due_at": _iso(panel.due_at),
        "votes": (panel.outcome or {}).get("counts"),
    }


def decision_item(decision: Decision, language: str) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "outcome": decision.outcome,
        "reason_codes": decision.reason_codes,
        "remedy": decision.remedy,
        "remedy_amount": str(decision.remedy_amount) if decision.remedy_amount is not None else None,
        "points": decision.points,
        "track": decision.track,
        "automated": decision.automated,
        "auto_rule": decision.auto_rule or None,
        "decided_at": decision.decided_at.isoformat(),
        "rulebook_version": decision.rulebook_version,
        "statement": decision.statement,
        "statement_text": statements.render(decision.statement, language),
    }


def remedy_item(instruction: RemedyInstruction) -> dict[str, Any]:
    """Return a remedy instruction as every side reads it: instructed, then executed (paid) or failed."""
    total = instruction.amount + instruction.tariff_amount
    return {
        "id": instruction.pk,
        "kind": instruction.kind,
        "amount": str(instruction.amount),
        "tariff_amount": str(instruction.tariff_amount),
        "total": str(total),
        "currency": instruction.currency,
        "state": instruction.state,
        "issued_at": instruction.issued_at.isoformat(),
        "confirm_due_at": _iso(instruction.confirm_due_at),
        "overdue": instruction.state != RemedyState.EXECUTED and instruction.overdue_at is not None,
        "overdue_at": _iso(instruction.overdue_at),
        "executed_amount": str(instruction.executed_amount) if instruction.executed_amount is not None else None,
        "executed_at": _iso(instruction.executed_at),
        "reference": instruction.execution_reference or None,
        "confirmed_at": _iso(instruction.confirmed_at),
        "failure_reason": instruction.failure_reason or None,
        "failed_at": _iso(instruction.failed_at),
    }


def rating_item(rating: CaseRating) -> dict[str, Any]:
    return {"score": rating.score, "comment": rating.comment, "rated_at": rating.rated_at.isoformat()}


def describe_filed(case: Case, evidence: list[Evidence]) -> dict[str, Any]:
    """Return what the filer needs back at once: the reference, the admissibility outcome, deadlines, files.

    Built from what the filing call already holds, without reading the case again.
    """
    return {
        "reference": case.reference,
        "state": case.state,
        "category": case.category,
        "channel": case.channel,
        "trusted_flagger": case.trusted_flagger,
        "rulebook_version": case.rulebook_version,
        "opened_at": case.opened_at.isoformat(),
        "admissibility": case.admissibility,
        "deadlines": {
            "evidence_due_at": _iso(case.evidence_due_at),
            "response_due_at": _iso(case.response_due_at),
            "decision_due_at": _iso(case.decision_due_at),
        },
        "evidence": [evidence_item(case, e) for e in evidence],
        "url": f"/api/cases/{case.reference}",
    }


def describe_case(case: Case, viewer: User, *, language: str = "zh-hans", now: datetime | None = None) -> dict:
    """Return everything `viewer` may read about the case, in one dict."""
    now = now or timezone.now()
    side = side_of(viewer)
    report = case.report
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    reporter = case.reporter
    order = report.order
    people = sees_people(viewer)
    # The reporter's name, e-mail and phone: their own side and platform staff; the merchant reads a masked
    # name; the marketplace nothing but its own consumer id.
    contact = side != MERCHANT and people
    data: dict[str, Any] = {
        "reference": case.reference,
        "state": case.state,
        "category": case.category,
        "category_title": {"zh": category.title.zh, "en": category.title.en} if category else None,
        "channel": case.channel,
        "priority": case.priority,
        # Filed by a trusted flagger (DSA art. 22): every side reads it.
        "trusted_flagger": case.trusted_flagger,
        "rulebook_version": case.rulebook_version,
        "opened_at": case.opened_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "closed_at": _iso(case.closed_at),
        "target": {
            "type": report.target_type,
            "order_id": order.external_id if order else None,
            "listing_id": report.listing.external_id if report.listing_id else None,
            "merchant_id": case.merchant.external_id,
            "merchant_name": case.merchant.name,
        },
        "report": {
            # The merchant reads the reporter's words with the personal data in them masked.
            "description": mask_text(report.description, case.reporter_names())
            if side == MERCHANT
            else report.description,
            "remedy_wanted": report.remedy_wanted,
            "submitted_at": report.submitted_at.isoformat(),
            "channel_reference": report.channel_reference if contact else "",
            # Who entered the report: the reporter, the marketplace, or an agent (named to the reporter and staff).
            "filed_by_role": report.filed_by.role,
            "agent": report.filed_by.username if report.filed_by.role == Role.AGENT and contact else None,
        },
        # None on an own-initiative investigation, which has no reporter (see "own_initiative").
        "reporter": {
            "id": reporter.external_id if side != MERCHANT else None,
            "name": reporter.name if contact else _masked(reporter.name) if side == MERCHANT else None,
            "email": reporter.email if contact else None,
            "phone": reporter.phone if contact else None,
        }
        if reporter is not None
        else None,
        "own_initiative": case.own_initiative,
        "admissibility": case.admissibility,
        "deadlines": {
            "evidence_due_at": _iso(case.evidence_due_at),
            "response_due_at": _iso(case.response_due_at),
            "decision_due_at": _iso(case.decision_due_at),
        },
        "clocks": clock_items(case, side),
        "order": None,
        "evidence": [evidence_item(case, e) for e in case.evidence.all()],
        "responses": [
            {
                "kind": r.kind,
                "explanation": r.explanation,
                "rectification_plan": r.rectification_plan,
                "responded_at": r.responded_at.isoformat(),
            }
            for r in case.responses.order_by("responded_at")
        ],
        # The reporter's answer to the merchant's answer and counter-evidence (rulebook v3 on), the second round.
        "reply": reply_item(case, side),
        "progress": progress.progress(case, side, now=now),
        "decisions": [decision_item(d, language) for d in case.decisions.all()],
        # A report of several problems of one order: each problem's intake, answer and outcome.
        "problems": problems.items(case, rulebook),
        "remedies": [remedy_item(r) for r in case.remedy_instructions.order_by("id")],
        "thread": thread(case, side),
        "timeline": [
            event_item(e, side, people=people, reporter_name=reporter.name if reporter is not None else "")
            for e in timeline(case, side).select_related("actor")
        ],
        "allowed_actions": allowed_actions(case, viewer, now),
        # An appeal of the case is waiting for its answer or its decision.
        "under_appeal": case.appeals.exclude(state=AppealState.DECIDED).exists(),
        "appeals": [appeal_item(a, side) for a in case.appeals.all()],
        "rectifications": [
            {
                "id": r.pk,
                "kind": r.kind,
                "instructions": r.instructions,
                "due_at": r.due_at.isoformat(),
                "state": r.state,
                "proof": r.proof,
                "review_reasons": r.review_reasons,
            }
            for r in case.rectifications.order_by("id")
        ],
    }
    if order is not None:
        data["order"] = {
            "id": order.external_id,
            "currency": order.currency,
            "amount_paid": str(order.amount_paid),
            "tariff_paid": str(order.tariff_paid),
            "paid_at": _iso(order.paid_at),
            "shipped_at": _iso(order.shipped_at),
            "delivered_at": _iso(order.delivered_at),
            "items": [
                {
                    "title": i.title,
                    "quantity": i.quantity,
                    "unit_price": str(i.unit_price),
                    "listing_id": i.listing.external_id if i.listing_id else None,
                }
                for i in order.items.select_related("listing")
            ],
        }
    if viewer.is_platform_staff:
        # The log's chain head (cases/chain.py): a copy kept outside the database shows a rewrite.
        data["log_head"] = chain.chain_head(case)
    window = reopen_window(case) if case.state == State.RESOLVED else None
    data["reopen_window"] = {"opens": _iso(window[0]), "closes": _iso(window[1])} if window else None
    # The consumer's rating of the handling: hers and staff's to read, not the merchant's.
    rating = CaseRating.objects.filter(case=case).first() if side != MERCHANT else None
    data["rating"] = rating_item(rating) if rating else None
    if side == STAFF:
        # Forensics flags (evidence/forensics.py) and the reporter's record: for the platform's staff only.
        with translation.override(language):
            flags: dict[int, list] = {}
            for flag in EvidenceFlag.objects.filter(evidence__case=case):
                flags.setdefault(flag.evidence_id, []).append(flag_item(flag))
        for item in data["evidence"]:
            item["flags"] = flags.get(item["id"], [])
        data["reporter_record"] = reporter_record(case.reporter_id) if reporter is not None else None
        # One of many new accounts that reported this merchant in a short time ([rings]): staff only.
        data["ring_flagged"] = case.ring_flagged
        data["priority_terms"] = priority.explained(case)
        data["cluster"] = cluster_summary(case)
        data["claim"] = {
            "claimed_by": case.claimed_by.username if case.claimed_by_id and people else None,
            "expires_at": _iso(case.claim_expires_at),
        }
        data["related"] = {
            "cases_against_merchant": Case.objects.filter(merchant_id=case.merchant_id).exclude(pk=case.pk).count(),
            "cases_about_listing": Case.objects.filter(report__listing_id=report.listing_id).exclude(pk=case.pk).count()
            if report.listing_id
            else 0,
        }
    return data


def reply_item(case: Case, side: str) -> dict[str, Any] | None:
    """Return the reporter's reply as `side` reads it (the merchant with personal data masked), or None.

    Without a reply, where the rulebook gives the days for one: when it may be made (`reply_due_at`).
    """
    reply = ReporterReply.objects.filter(case=case).first()
    window = progress.reply_window(case)
    due = _iso(window.due_at) if window else None
    if reply is None:
        return {"text": None, "replied_at": None, "evidence_ids": [], "reply_due_at": due} if window else None
    text = mask_text(reply.text, case.reporter_names()) if side == MERCHANT else reply.text
    return {
        "text": text,
        "replied_at": _iso(reply.replied_at),
        "evidence_ids": reply.evidence_ids,
        "reply_due_at": due,
    }


UPHELD_OUTCOMES = ("upheld", "partly_upheld")


def cluster_summary(case: Case) -> dict[str, Any] | None:
    """Return the case's cluster as its staff view shows it (id, size, escalation, measure), None if none."""
    if case.cluster_id is None:
        return None
    cluster = case.cluster
    return {
        "id": cluster.pk,
        "size": cluster.size,
        "cases": Case.objects.filter(cluster_id=cluster.pk).count(),
        "category_group": cluster.category_group,
        "listing_id": cluster.listing.external_id if cluster.listing_id else None,
        "batch": cluster.batch or None,
        "escalated_at": _iso(cluster.escalated_at),
        "measure": cluster.measure or None,
        "url": f"/api/clusters/{cluster.pk}",
    }


def reporter_record(reporter_id: int | None) -> dict[str, int]:
    """Return a reporter's record: cases filed, open, upheld, not upheld, unfounded, inadmissible, withdrawn.

    None (an own-initiative investigation has no reporter) has an empty record, not that of every case
    without a reporter.

    Upheld counts cases the merchant settled by accepting the remedy and cases whose latest decision
    upheld them, wholly or partly; unfounded is the part of not upheld decided with the reason code
    `unfounded`. Two statements, on the case_reporter index and the decisions of those cases (one when
    none is decided).
    """
    # Read at every filing (the priority's terms): the count written as SQL, on the case_reporter index.
    sql = f"SELECT state, COUNT(*) FROM {Case._meta.db_table} WHERE reporter_id = %s GROUP BY state"
    states = dict(select_rows(sql, [reporter_id])) if reporter_id is not None else {}
    latest: dict[int, tuple[str, list]] = {}
    # A reporter with no decided case (most, at their first report) costs one statement.
    if states.get(State.DECIDED):
        decisions = Decision.objects.filter(case__reporter_id=reporter_id, case__state=State.DECIDED).order_by("id")
        for case_id, outcome, codes in decisions.values_list("case_id", "outcome", "reason_codes"):
            latest[case_id] = (outcome, codes or [])
    upheld = sum(1 for outcome, _ in latest.values() if outcome in UPHELD_OUTCOMES)
    not_upheld = [codes for outcome, codes in latest.values() if outcome not in UPHELD_OUTCOMES]
    return {
        "filed": sum(states.values()),
        "open": sum(states.get(s, 0) for s in (State.NEEDS_EVIDENCE, State.AWAITING_MERCHANT, State.AWAITING_REVIEW)),
        "upheld": states.get(State.RESOLVED, 0) + upheld,
        "not_upheld": len(not_upheld),
        "unfounded": sum(1 for codes in not_upheld if "unfounded" in codes),
        "inadmissible": states.get(State.INADMISSIBLE, 0),
        "withdrawn": states.get(State.WITHDRAWN, 0),
    }


# The clocks each side reads; staff read all of them.
CLOCKS_SEEN = {
    REPORTER: ("merchant_response", "decision"),
    MERCHANT: ("merchant_response", "decision", "rectification", "appeal"),
}


def clock_items(case: Case, side: str) -> list[dict[str, Any]]:
    """Return the case's running service-level clocks `side` may see: stage, due, paused, warned, breached.

    A paused clock has no due_at; remaining_seconds is the time it had left, in its own time
    (business seconds for a business-time stage).
    """
    rulebook = loader.get(case.rulebook_version)
    seen = CLOCKS_SEEN.get(side)
    items = []
    for row in case.clocks.filter(stopped_at__isnull=True).order_by("started_at", "id"):
        if seen is not None and row.stage not in seen:
            continue
        spec = rulebook.sla.stage(row.stage)
        items.append(
            {
                "stage": row.stage,
                "subject_id": row.subject_id,
                "time": spec.time,
                "calendar": spec.calendar,
                "started_at": _iso(row.started_at),
                "due_at": _iso(row.due_at),
                "warn_at": _iso(row.warn_at),
                "paused": row.paused_at is not None,
                "paused_at": _iso(row.paused_at),
                "remaining_seconds": row.remaining_seconds,
                "warned": row.warned_at is not None,
                "warned_at": _iso(row.warned_at),
                "breached": row.breached_at is not None,
                "breached_at": _iso(row.breached_at),
            }
        )
    return items


def _may_reply(case: Case, now: datetime) -> bool:
    if case.state not in DECIDABLE_STATES:
        return False
    window = progress.reply_window(case)
    return window is not None and now <= window.due_at and not ReporterReply.objects.filter(case=case).exists()


def allowed_actions(case: Case, viewer: User, now: datetime) -> list[str]:
    """Return what the viewer can do to the case now, for clients to show the right buttons."""
    side = side_of(viewer)
    actions: list[str] = []
    # An own-initiative investigation has no reporter's side: nobody acts for one, and the merchant has
    # no remedy to accept nor a consumer to make offers to.
    for_reporter = case.reporter_id is not None and (side == REPORTER or viewer.role in ("agent", "marketplace"))
    if for_reporter:
        if case.state in ("needs_evidence", "awaiting_merchant", "awaiting_review"):
            actions += ["add_evidence", "withdraw", "nudge"]
    if case.state == State.RESOLVED and for_reporter and viewer.role != Role.MARKETPLACE:
        window = reopen_window(case)
        if window is not None and now <= window[1]:
            actions.append("reopen")
    if viewer.role == Role.CONSUMER and for_reporter and case.state in FINAL_STATES:
        if not CaseRating.objects.filter(case=case).exists():
            actions.append("rate")
    if (
        viewer.role in (Role.MARKETPLACE, Role.SUPERVISOR)
        and case.remedy_instructions.exclude(state=RemedyState.EXECUTED).exists()
    ):
        actions.append("confirm_remedy")
    if for_reporter and _may_reply(case, now):
        actions.append("reply")
    if side == MERCHANT and "contest" in allowed(case.state, "merchant"):
        actions += (
            ["contest", "rectify", "add_evidence"]
            if case.own_initiative
            else ["accept", "contest", "rectify", "add_evidence"]
        )
    # The negotiation thread (actions/negotiation.py): parties write while the case is open and offer
    # while it awaits the merchant; reviewers ask either party a question.
    if case.state in ("needs_evidence", "awaiting_merchant", "awaiting_review"):
        if side == MERCHANT or for_reporter:
            actions.append("message")
            if case.state == "awaiting_merchant" and not case.own_initiative:
                actions.append("offer")
        elif viewer.role in ("reviewer", "supervisor"):
            actions.append("ask")
    if viewer.role in ("reviewer", "supervisor") and case.state in DECIDABLE_STATES:
        holder = case.claimed_by_id
        active = holder and case.claim_expires_at and case.claim_expires_at > now
        if not active or holder == viewer.pk:
            actions.append("claim")
        if holder == viewer.pk and active:
            actions += ["release", "decide"]
            if "request_more_evidence" in allowed(case.state, viewer.role):
                actions.append("request_evidence")
        elif active and viewer.role == "supervisor":
            actions.append("release")
        if active and viewer.role == "supervisor":
            actions.append("reassign")
        actions.append("note")
    return actions


def message_item(message: CaseMessage, side: str, reporter_name: str) -> dict[str, Any]:
    """Return a message of the case's thread as `side` reads it (the reporter's words masked for the merchant)."""
    text = message.text
    if side == MERCHANT and message.party == "reporter":
        text = mask_text(text, (reporter_name,))
    return {
        "id": message.pk,
        "party": message.party,
        "addressed_to": message.addressed_to or None,
        "text": text,
        "at": message.at.isoformat(),
    }


def offer_item(offer: Offer, side: str, case: Case) -> dict[str, Any]:
    """Return an offer as `side` reads it; an open offer of a case past the merchant's stage reads `lapsed`."""
    state = offer.state
    if state == OfferState.OPEN and case.state != "awaiting_merchant":
        state = "lapsed"
    note = offer.note
    if side == MERCHANT and offer.party == "reporter":
        note = mask_text(note, case.reporter_names())
    return {
        "id": offer.pk,
        "kind": offer.kind,
        "party": offer.party,
        "remedy": offer.remedy or None,
        "amount": str(offer.amount) if offer.amount is not None else None,
        "days": offer.days,
        "note": note,
        "state": state,
        "made_at": offer.made_at.isoformat(),
        "settled_at": _iso(offer.settled_at),
    }


def thread(case: Case, side: str) -> dict[str, Any]:
    """Return the case's negotiation thread (协商): messages and offers, oldest first, and its limits."""
    negotiation = loader.get(case.rulebook_version).negotiation
    bound = negotiation.max_extension_days if negotiation else 0
    offers = list(case.offers.all())
    used = sum(o.days or 0 for o in offers if o.kind == OfferKind.EXTENSION and o.state == OfferState.ACCEPTED)
    name = case.reporter.name if case.reporter_id is not None else ""
    return {
        # An own-initiative investigation has no reporter to negotiate with.
        "open": case.state == "awaiting_merchant" and case.reporter_id is not None,
        "messages": [message_item(m, side, name) for m in case.messages.all()],
        "offers": [offer_item(o, side, case) for o in offers],
        "max_extension_days": bound,
        "extension_days_used": used,
    }
