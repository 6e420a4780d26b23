"""Everything a person (or Plaint itself) does to a case. Each function is one transaction.

Each action checks who may act, asks `transitions` whether the change is legal, writes the change
guarded by the case's version (so two people acting at once cannot both succeed), appends the event,
and writes outbox rows for what must leave, all before it commits.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from plaint.accounts.models import DECIDING_ROLES, Role, User
from plaint.db import get_with, insert, insert_many
from plaint.enforcement.actions import award_points, instruct_remedy
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.evidence.actions import CheckedUpload, Upload, check_uploads, store
from plaint.evidence.models import Evidence, Party
from plaint.marketplace.models import Consumer, Listing, Merchant, Order
from plaint.notifications.notify import Audience, notify
from plaint.notifications.outbox import enqueue_webhook
from plaint.rulebook import evaluation, loader
from plaint.rulebook.evaluation import ADMITTED, INADMISSIBLE, NEEDS_EVIDENCE
from plaint.rulebook.schema import Category, Rulebook

from . import clocks, rectification, statements
from .addresses import case_address
from .inputs import DecisionIn, ReportIn, ResponseIn
from .models import Case, CaseEvent, Channel, Decision, MerchantResponse, Report, ResponseKind, Visibility
from .transitions import DECIDABLE_STATES, OPEN_STATES, SYSTEM, State, transition

FILING_ROLES = {Role.CONSUMER, Role.AGENT, Role.MARKETPLACE}
# The channels each filing role may record.
CHANNELS_BY_ROLE = {
    Role.CONSUMER: {Channel.WEB, Channel.APP},
    Role.AGENT: {Channel.HOTLINE, Channel.ONLINE_CHAT, Channel.EMAIL},
    Role.MARKETPLACE: {Channel.API, Channel.APP, Channel.WEB},
}
DEFAULT_CHANNEL = {Role.CONSUMER: Channel.WEB, Role.AGENT: Channel.HOTLINE, Role.MARKETPLACE: Channel.API}
# Reports an agent takes in a conversation name the call or chat, so the case leads back to its
# recording or transcript.
CONVERSATION_CHANNELS = {Channel.HOTLINE: "call", Channel.ONLINE_CHAT: "chat"}


@dataclass
class Filed:
    case: Case
    created: bool
    rejected_files: list[dict[str, str]] = field(default_factory=list)
    # The evidence this call stored (not all the case's evidence).
    stored: list[Evidence] = field(default_factory=list)


# --- the one place a case changes ---------------------------------------------------------------


def _actor_role(user: User | None) -> str:
    return user.role if user is not None else SYSTEM


def _event(
    case: Case,
    kind: str,
    actor: User | None,
    now: datetime,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    visibility: str = Visibility.PARTIES,
    from_state: str = "",
    to_state: str = "",
) -> CaseEvent:
    """Return an unsaved event of the case (see `_record`)."""
    return CaseEvent(
        case=case,
        kind=kind,
        actor=actor,
        actor_role=_actor_role(actor),
        at=now,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        rulebook_version=case.rulebook_version,
        data=data or {},
        visibility=visibility,
    )


def _record(case: Case, kind: str, actor: User | None, now: datetime, **fields: Any) -> CaseEvent:
    """Append an event to the case's log."""
    event = _event(case, kind, actor, now, **fields)
    insert(event)
    return event


def _change(case: Case, now: datetime, **changes: Any) -> None:
    """Write `changes` to the case if nobody changed it since it was read; raise Refused if someone did."""
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        version=F("version") + 1, updated_at=now, **changes
    )
    if updated != 1:
        raise Refused(
            "concurrent_change",
            "Someone else changed this case at the same moment. Reload it and try again.",
        )
    for name, value in changes.items():
        setattr(case, name, value)
    case.version += 1
    case.updated_at = now


def _apply(
    case: Case,
    name: str,
    actor: User | None,
    now: datetime,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    visibility: str = Visibility.PARTIES,
    **changes: Any,
) -> CaseEvent:
    """Take transition `name` on the case as `actor` (None: Plaint itself), with further field changes."""
    t = transition(name, case.state, _actor_role(actor))
    source = case.state
    if t.target not in OPEN_STATES:
        changes.setdefault("closed_at", now)
        changes.setdefault("claimed_by", None)
        changes.setdefault("claim_expires_at", None)
        clocks.stop(case, clocks.CASE_STAGES, now, name)
    _change(case, now, state=t.target.value, **changes)
    return _record(
        case,
        name,
        actor,
        now,
        reason=reason,
        data=data,
        visibility=visibility,
        from_state=source,
        to_state=t.target.value,
    )


def _notify(case: Case, topic: str, now: datetime, key: str, **extra: Any) -> None:
    report = case.report
    enqueue_webhook(
        topic,
        {
            "case": case.reference,
            "state": case.state,
            "category": case.category,
            "merchant_id": case.merchant.external_id,
            "consumer_id": case.reporter.external_id,
            "target_type": report.target_type,
            "order_id": report.order.external_id if report.order_id else None,
            "listing_id": report.listing.external_id if report.listing_id else None,
            "rulebook_version": case.rulebook_version,
            **extra,
        },
        key=key,
        now=now,
    )


def tell(
    case: Case,
    event: str,
    now: datetime,
    key: str,
    *,
    reporter: bool,
    merchant: bool,
    supervisors: bool = False,
    **fields: str | dict[str, str],
) -> None:
    """Tell the parties of a step, by e-mail and in the portal, each on their own page of the case.

    The reporter gets their language, the merchant Chinese and English by e-mail (its staff their
    account's language in the portal), each supervisor their account's language.
    """
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    base = {"ref": case.reference, "category": {"zh": category.title.zh, "en": category.title.en}} | fields
    ref = case.reference
    audiences = []
    if reporter:
        audiences.append(
            Audience(
                "reporter",
                case.reporter.email,
                case.reporter.language,
                Q(consumer_id=case.reporter_id),
                f"/consumer/cases/{ref}/",
                reply_to=case_address(ref, "reporter"),
            )
        )
    if merchant:
        audiences.append(
            Audience(
                "merchant",
                case.merchant.contact_email,
                "bilingual",
                Q(merchant_id=case.merchant_id, role=Role.MERCHANT),
                f"/merchant/cases/{ref}/",
                reply_to=case_address(ref, "merchant"),
            )
        )
    if supervisors:
        # Supervisors are few and rarely told (escalations): each is an audience with their own address.
        for user in User.objects.filter(role=Role.SUPERVISOR, is_active=True).only("pk", "email", "language"):
            audiences.append(
                Audience(f"staff-{user.pk}", user.email, user.language, Q(pk=user.pk), f"/review/cases/{ref}/")
            )
    # Each party's answers go to the case's address signed for that party and are added to the case
    # (plaint/inbound/); supervisors work in the console.
    notify(event, key, audiences, now, case_reference=ref, **base)


def _locked(case: Case) -> Case:
    """Return the case read again inside the transaction (rows locked on PostgreSQL)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("report", "report__order", "report__listing", "merchant", "reporter")
        .get(pk=case.pk)
    )


# --- intake ---------------------------------------------------------------------------------------


def _category(rulebook: Rulebook, code: str) -> Category:
    category = rulebook.category(code)
    if category is None:
        raise InvalidInput(
            "unknown_category",
            f"{code!r} is not a category of rulebook version {rulebook.version}.",
            field="category",
            hint="Use one of: " + ", ".join(c.code for c in rulebook.categories),
        )
    return category


def _reporter(actor: User, data: ReportIn) -> Consumer:
    if actor.role == Role.CONSUMER:
        if actor.consumer_id is None:
            raise Forbidden("no_consumer", "This account is not linked to a marketplace consumer.")
        if data.consumer_id and data.consumer_id != actor.consumer.external_id:
            raise InvalidInput(
                "consumer_id", "Consumers report for themselves; leave consumer_id out.", field="consumer_id"
            )
        return actor.consumer
    if not data.consumer_id:
        raise InvalidInput(
            "consumer_required",
            "Say which consumer this report is for.",
            field="consumer_id",
            hint="Send the marketplace's consumer id; push the consumer with an order first if it is new.",
        )
    consumer = Consumer.objects.filter(external_id=data.consumer_id).first()
    if consumer is None:
        raise InvalidInput("unknown_consumer", f"No consumer with id {data.consumer_id!r}.", field="consumer_id")
    return consumer


def _target(data: ReportIn, reporter: Consumer) -> tuple[Order | None, Listing | None, Merchant]:
    if data.target_type == "order":
        order = get_with(Order, "merchant", external_id=data.target_id)
        if order is None or order.consumer_id != reporter.pk:
            raise InvalidInput(
                "unknown_order",
                f"No order {data.target_id!r} of this consumer.",
                field="target_id",
                hint="Check the order number in the consumer's order list.",
            )
        return order, None, order.merchant
    if data.target_type == "listing":
        listing = Listing.objects.select_related("merchant").filter(external_id=data.target_id).first()
        if listing is None:
            raise InvalidInput("unknown_listing", f"No listing {data.target_id!r}.", field="target_id")
        return None, listing, listing.merchant
    merchant = Merchant.objects.filter(external_id=data.target_id).first()
    if merchant is None:
        raise InvalidInput("unknown_merchant", f"No merchant {data.target_id!r}.", field="target_id")
    return None, None, merchant


def _channel(actor: User, data: ReportIn) -> str:
    channel = data.channel or DEFAULT_CHANNEL[actor.role]
    if channel not in CHANNELS_BY_ROLE[actor.role]:
        raise InvalidInput(
            "channel_not_allowed",
            f"A {actor.role} cannot record the channel {channel!r}.",
            field="channel",
            hint="Use one of: " + ", ".join(sorted(CHANNELS_BY_ROLE[actor.role])),
        )
    conversation = CONVERSATION_CHANNELS.get(channel)
    if actor.role == Role.AGENT and conversation and not data.channel_reference:
        raise InvalidInput(
            "channel_reference_required",
            f"A {channel} report entered by an agent needs the {conversation} reference.",
            field="channel_reference",
            hint=f"Give the {conversation} ID shown by the {'telephony' if conversation == 'call' else 'chat'} "
            "system for this conversation.",
        )
    return channel


def matter_of(reporter_id: int, target_type: str, target_id: int, category: str) -> str:
    """Return what a report is about: the same reporter, target and category make the same matter.

    Only one case of a matter may be open (the constraint case_one_open_per_matter): a second would ask
    the merchant twice and could put points on its record twice for one complaint.
    """
    return f"{reporter_id}/{target_type}/{target_id}/{category}"


def open_case_of(matter: str) -> str | None:
    """Return the reference of the open case of `matter`, None if there is none."""
    return Case.objects.filter(matter=matter, state__in=OPEN_STATES).values_list("reference", flat=True).first()


def _duplicate(matter: str, category: Category, target_type: str) -> Refused | None:
    """Return the refusal naming the open case of `matter`, None if there is none."""
    open_case = open_case_of(matter)
    if open_case is None:
        return None
    return Refused(
        "duplicate_report",
        f"This {target_type} already has an open '{category.title.en}' report from this consumer: {open_case}.",
        hint=f"Add evidence to {open_case} or chase it; a new report can be filed once it is closed.",
        details={"case": open_case},
    )


def _existing(actor: User, key: str | None) -> Case | None:
    if not key:
        return None
    return Case.objects.filter(report__filed_by=actor, report__idempotency_key=key).first()


def file_report(
    actor: User,
    data: ReportIn,
    uploads: list[Upload] = (),
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Filed:
    """File a report, decide its admissibility at once, and return the case.

    A retried call with the same idempotency key returns the first case, created=False. Files that
    fail inspection are listed in `rejected_files`; the report is filed with the others.
    """
    now = now or timezone.now()
    if actor.role not in FILING_ROLES:
        raise Forbidden("cannot_file", f"A {actor.role} cannot file reports.")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise InvalidInput(
            "idempotency_key", "The Idempotency-Key must be 1 to 200 characters.", field="Idempotency-Key"
        )
    existing = _existing(actor, idempotency_key)
    if existing:
        return Filed(existing, created=False)
    rulebook = loader.in_force(now)
    category = _category(rulebook, data.category)
    if len(data.description) > rulebook.intake.description_max_chars:
        raise InvalidInput(
            "description_too_long",
            f"The description has {len(data.description)} characters; the limit is "
            f"{rulebook.intake.description_max_chars}.",
            field="description",
            hint="Shorten it, or attach the rest as a text file of evidence.",
        )
    if data.remedy_wanted not in category.remedies:
        raise InvalidInput(
            "remedy_not_available",
            f"{data.remedy_wanted!r} is not a remedy for '{category.title.en}' reports.",
            field="remedy_wanted",
            hint="Use one of: " + ", ".join(category.remedies),
        )
    reporter = _reporter(actor, data)
    order, listing, merchant = _target(data, reporter)
    channel = _channel(actor, data)
    target = {"order": order, "listing": listing}.get(data.target_type, merchant)
    matter = matter_of(reporter.pk, data.target_type, target.pk, category.code)
    checked, rejected = check_uploads(list(uploads), rulebook)
    try:
        with transaction.atomic():
            case, stored = _open_case(
                actor,
                data,
                idempotency_key,
                rulebook,
                category,
                reporter,
                order,
                listing,
                merchant,
                channel,
                matter,
                checked,
                rejected,
                now,
            )
    except IntegrityError:
        # The same key raced us from another request: return the case that one made.
        existing = _existing(actor, idempotency_key)
        if existing is not None:
            return Filed(existing, created=False)
        # The same matter is open already (filed before, or by a request that raced this one).
        duplicate = _duplicate(matter, category, data.target_type)
        if duplicate is None:
            raise
        raise duplicate from None
    return Filed(case, created=True, rejected_files=[r.as_dict() for r in rejected], stored=stored)


INTAKE_TRANSITIONS = {ADMITTED: "admit", NEEDS_EVIDENCE: "request_evidence", INADMISSIBLE: "declare_inadmissible"}


def _open_case(
    actor: User,
    data: ReportIn,
    idempotency_key: str | None,
    rulebook: Rulebook,
    category: Category,
    reporter: Consumer,
    order: Order | None,
    listing: Listing | None,
    merchant: Merchant,
    channel: str,
    matter: str,
    checked: list[CheckedUpload],
    rejected: list,
    now: datetime,
) -> tuple[Case, list[Evidence]]:
    # Admissibility is decided before anything is written, so the case is inserted once, already in the
    # state its intake transition leads to; the log still records "filed" and then that transition.
    result = evaluation.assess(
        rulebook,
        category,
        data.target_type,
        timezone.localtime(order.delivered_at) if order and order.delivered_at else None,
        timezone.localtime(now),
        {item.kind for item in checked},
    )
    intake = transition(INTAKE_TRANSITIONS[result.outcome], State.NEW, SYSTEM)
    final = intake.target not in OPEN_STATES
    report = insert(
        Report(
            reporter=reporter,
            filed_by=actor,
            channel=channel,
            channel_reference=data.channel_reference,
            target_type=data.target_type,
            order=order,
            listing=listing,
            merchant=merchant,
            category=category.code,
            description=data.description,
            remedy_wanted=data.remedy_wanted,
            idempotency_key=idempotency_key,
            submitted_at=now,
        )
    )
    case = insert(
        Case(
            report=report,
            merchant=merchant,
            reporter=reporter,
            category=category.code,
            channel=channel,
            state=intake.target.value,
            priority=category.priority,
            rulebook_version=rulebook.version,
            admissibility=result.as_dict(),
            evidence_due_at=result.evidence_due_at,
            response_due_at=clocks.due_at("merchant_response", now, rulebook, report)
            if result.outcome == ADMITTED
            else None,
            opened_at=now,
            updated_at=now,
            closed_at=now if final else None,
            matter=matter,
        )
    )
    events = [
        _event(
            case,
            "filed",
            actor,
            now,
            data={"channel": channel, "channel_reference": data.channel_reference}
            | ({"agent": actor.username} if actor.role == Role.AGENT else {}),
            to_state=State.NEW,
        )
    ]
    stored, attached = _attach(case, checked, rejected, actor, Party.REPORTER, now, with_report=True)
    events += attached
    events.append(
        _event(
            case,
            intake.name,
            None,
            now,
            reason=result.explanation["en"],
            data=result.as_dict(),
            from_state=State.NEW,
            to_state=intake.target.value,
        )
    )
    if result.outcome == ADMITTED:
        clocks.start(case, "merchant_response", now, pending=events)
    insert_many(events)
    _notify(case, "case.opened", now, key=f"case-{case.reference}-opened", admissibility=result.outcome)
    outcome = {"zh": result.explanation["zh"], "en": result.explanation["en"]}
    if result.outcome == NEEDS_EVIDENCE:
        tell(
            case,
            "evidence_requested",
            now,
            f"{case.reference}-received",
            reporter=True,
            merchant=False,
            outcome=outcome,
            due=f"{timezone.localtime(case.evidence_due_at):%Y-%m-%d %H:%M}",
        )
    elif result.outcome == INADMISSIBLE:
        tell(
            case,
            "inadmissible",
            now,
            f"{case.reference}-received",
            reporter=True,
            merchant=False,
            outcome=outcome,
            alternatives={
                code: "\n".join(f"- {item.get(code, '')}" for item in result.alternatives) for code in ("zh", "en")
            },
        )
    else:
        tell(case, "received", now, f"{case.reference}-received", reporter=True, merchant=False, outcome=outcome)
    if result.outcome == ADMITTED:
        _tell_merchant_to_answer(case, now)
    return case, stored


def _tell_merchant_to_answer(case: Case, now: datetime) -> None:
    """Tell the merchant a case awaits its answer, and by when (once per case: the key is the case's)."""
    due = f"{timezone.localtime(case.response_due_at):%Y-%m-%d %H:%M}"
    tell(case, "to_answer", now, f"{case.reference}-to-answer", reporter=False, merchant=True, due=due)


def _attach(
    case: Case,
    checked: list[CheckedUpload],
    rejected: list,
    actor: User,
    party: str,
    now: datetime,
    *,
    with_report: bool = False,
) -> tuple[list[Evidence], list[CaseEvent]]:
    """Store checked uploads on the case; return them and the (unsaved) events that record them.

    Refused files are recorded too, visible to the side that sent them. Files sent with the report
    itself (`with_report`) are marked so, so the timeline does not read them as added later.
    """
    stored = [store(case, item, actor, party, now) for item in checked]
    mark = {"with_report": True} if with_report else {}
    events = [_event(case, "evidence_added", actor, now, data=_evidence_summary(e) | mark) for e in stored]
    if rejected:
        side = Visibility.REPORTER if party == Party.REPORTER else Visibility.MERCHANT
        events.append(
            _event(
                case, "evidence_rejected", actor, now, data={"files": [r.as_dict() for r in rejected]}, visibility=side
            )
        )
    return stored, events


def _evidence_summary(evidence: Evidence) -> dict[str, Any]:
    return {
        "evidence_id": evidence.pk,
        "kind": evidence.kind,
        "party": evidence.party,
        "file": evidence.original_name,
        "content_type": evidence.content_type,
        "sha256": evidence.sha256,
        "captured_at": evidence.captured_at.isoformat() if evidence.captured_at else None,
    }


# --- evidence after filing -------------------------------------------------------------------------


def _reporter_side(actor: User, case: Case) -> bool:
    if actor.role == Role.CONSUMER:
        return actor.consumer_id == case.reporter_id
    return actor.role in (Role.AGENT, Role.MARKETPLACE)


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
        insert_many(_attach(case, checked, rejected, actor, party, now)[1])
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
            missing = evaluation.missing_evidence(category, present)
            if not missing:
                admissibility = case.admissibility | {"outcome": ADMITTED, "missing_evidence": []}
                _apply(
                    case,
                    "complete_evidence",
                    None,
                    now,
                    reason="The required evidence is now complete.",
                    admissibility=admissibility,
                    evidence_due_at=None,
                    response_due_at=clocks.start(case, "merchant_response", now).due_at,
                )
                tell(case, "admitted", now, f"{case.reference}-admitted", reporter=True, merchant=False)
                _tell_merchant_to_answer(case, now)
            else:
                admissibility = case.admissibility | {"missing_evidence": list(missing)}
                _change(case, now, admissibility=admissibility)
    return Filed(case, created=False, rejected_files=[r.as_dict() for r in rejected])


def withdraw_report(actor: User, case: Case, reason: str, *, now: datetime | None = None) -> Case:
    """Withdraw an open report at the reporter's wish."""
    now = now or timezone.now()
    if not _reporter_side(actor, case):
        raise Forbidden("not_reporter", "Only the reporter (or an agent for them) can withdraw a report.")
    with transaction.atomic():
        case = _locked(case)
        _apply(case, "withdraw", actor, now, reason=reason.strip()[:2000])
        _notify(case, "case.withdrawn", now, key=f"case-{case.reference}-withdrawn")
        tell(case, "withdrawn", now, f"{case.reference}-withdrawn", reporter=False, merchant=True)
        tell(case, "withdrawal_confirmed", now, f"{case.reference}-withdrawal-confirmed", reporter=True, merchant=False)
    return case


def _to_review_clocks(case: Case, now: datetime, by: str) -> datetime:
    """Stop the merchant's clock and start the review's (acknowledgement, decision); return the decision's due."""
    clocks.stop(case, ("merchant_response",), now, by)
    clocks.start(case, "acknowledgement", now)
    return clocks.start(case, "decision", now).due_at


# --- merchant -----------------------------------------------------------------------------------


def respond_as_merchant(
    actor: User, case: Case, data: ResponseIn, uploads: list[Upload] = (), *, now: datetime | None = None
) -> Filed:
    """Answer a report: accept the remedy, contest it (with counter-evidence), or propose rectification."""
    now = now or timezone.now()
    if actor.role != Role.MERCHANT or actor.merchant_id != case.merchant_id:
        raise Forbidden("not_the_merchant", "Only staff of the merchant reported can answer this case.")
    if case.state == State.AWAITING_MERCHANT and case.response_due_at and now > case.response_due_at:
        raise Refused(
            "response_deadline_passed",
            f"The deadline to answer passed at {timezone.localtime(case.response_due_at):%Y-%m-%d %H:%M}.",
        )
    if data.kind == ResponseKind.RECTIFY and not data.rectification_plan.strip():
        raise InvalidInput("rectification_plan", "Describe the rectification you propose.", field="rectification_plan")
    rulebook = loader.get(case.rulebook_version)
    checked, rejected = check_uploads(list(uploads), rulebook)
    with transaction.atomic():
        case = _locked(case)
        transition(
            {"accept": "accept_remedy", "contest": "contest", "rectify": "propose_rectification"}[data.kind],
            case.state,
            Role.MERCHANT,
        )
        MerchantResponse.objects.create(
            case=case,
            kind=data.kind,
            explanation=data.explanation,
            rectification_plan=data.rectification_plan,
            responded_by=actor,
            responded_at=now,
        )
        insert_many(_attach(case, checked, rejected, actor, Party.MERCHANT, now)[1])
        info = {"response": data.kind, "explanation": data.explanation, "rectification_plan": data.rectification_plan}
        if data.kind == ResponseKind.ACCEPT:
            _apply(case, "accept_remedy", actor, now, reason=data.explanation, data=info)
            instruct_remedy(case, None, case.report.remedy_wanted, None, now)
            _notify(case, "case.resolved", now, key=f"case-{case.reference}-resolved", remedy=case.report.remedy_wanted)
            remedy = loader.get(case.rulebook_version).remedies[case.report.remedy_wanted]
            tell(
                case,
                "resolved",
                now,
                f"{case.reference}-resolved",
                reporter=True,
                merchant=True,
                remedy={"zh": remedy.zh, "en": remedy.en},
            )
        else:
            name = "contest" if data.kind == ResponseKind.CONTEST else "propose_rectification"
            _apply(
                case,
                name,
                actor,
                now,
                reason=data.explanation,
                data=info,
                decision_due_at=_to_review_clocks(case, now, name),
            )
            tell(
                case,
                "answered",
                now,
                f"{case.reference}-answered",
                reporter=True,
                merchant=False,
                answer=data.explanation,
            )
    return Filed(case, created=False, rejected_files=[r.as_dict() for r in rejected])


# --- review ------------------------------------------------------------------------------------


def _require_decider(actor: User) -> None:
    if actor.role not in DECIDING_ROLES:
        raise Forbidden("not_a_reviewer", "Only reviewers and supervisors work the review queue.")


def claim_case(actor: User, case: Case, *, now: datetime | None = None) -> Case:
    """Claim a case for review: nobody else can decide it until released or the claim lapses."""
    now = now or timezone.now()
    _require_decider(actor)
    rulebook = loader.get(case.rulebook_version)
    with transaction.atomic():
        case = _locked(case)
        if case.state not in DECIDABLE_STATES:
            raise Refused("not_reviewable", f"A case in state '{case.state}' is not in the review queue.")
        holder = case.claimed_by_id
        if holder and holder != actor.pk and case.claim_expires_at and case.claim_expires_at > now:
            raise Refused(
                "claimed_by_other",
                f"{case.claimed_by.username} is working on this case.",
                details={"claimed_by": case.claimed_by.username, "claim_expires_at": case.claim_expires_at.isoformat()},
            )
        clocks.stop(case, ("acknowledgement",), now, "claimed")
        _change(
            case, now, claimed_by=actor, claim_expires_at=now + timedelta(minutes=rulebook.intake.claim_timeout_minutes)
        )
        _record(
            case,
            "claimed",
            actor,
            now,
            visibility=Visibility.STAFF,
            data={"claim_expires_at": case.claim_expires_at.isoformat()},
        )
    return case


def release_case(actor: User, case: Case, *, now: datetime | None = None) -> Case:
    """Give a claimed case back to the queue (its holder, or a supervisor)."""
    now = now or timezone.now()
    _require_decider(actor)
    with transaction.atomic():
        case = _locked(case)
        if case.claimed_by_id is None:
            raise Refused("not_claimed", "The case is not claimed.")
        if case.claimed_by_id != actor.pk and actor.role != Role.SUPERVISOR:
            raise Forbidden("not_claim_holder", "Only the reviewer holding the claim or a supervisor can release it.")
        _change(case, now, claimed_by=None, claim_expires_at=None)
        _record(case, "released", actor, now, visibility=Visibility.STAFF)
    return case


def _evidence_considered(case: Case, rulebook: Rulebook) -> list[dict[str, Any]]:
    return [
        {
            "evidence_id": e.pk,
            "kind": e.kind,
            "kind_title": {"zh": rulebook.evidence_kinds[e.kind].zh, "en": rulebook.evidence_kinds[e.kind].en},
            "party": e.party,
            "sha256": e.sha256,
            "captured_at": timezone.localtime(e.captured_at).isoformat() if e.captured_at else None,
        }
        for e in case.evidence.all()
    ]


def _make_decision(
    case: Case,
    rulebook: Rulebook,
    *,
    outcome: str,
    reason_codes: list[str],
    facts: str,
    remedy: str,
    remedy_amount: Decimal | None,
    automated: bool,
    actor: User | None,
    missing: list[str],
    now: datetime,
) -> Decision:
    category = _category(rulebook, case.category)
    since = now - timedelta(days=rulebook.points.repeat_within_days)
    repeat = (
        category.repeat_multiplier > 1
        and Decision.objects.filter(
            case__merchant_id=case.merchant_id,
            case__category=case.category,
            outcome__in=("upheld", "partly_upheld"),
            decided_at__gte=since,
            point_entries__revoked_at__isnull=True,
        ).exists()
    )
    points = evaluation.decision_points(category, outcome, repeat)
    order = case.report.order
    amount = tariff = None
    if outcome != "not_upheld" and order is not None and remedy in ("refund", "return_and_refund"):
        amount = remedy_amount if remedy_amount is not None else order.amount_paid
        tariff = Decimal("0") if remedy_amount is not None else order.tariff_paid
    statement = statements.compose(
        rulebook=rulebook,
        category=category,
        outcome=outcome,
        reason_codes=reason_codes,
        facts=facts,
        evidence=_evidence_considered(case, rulebook),
        missing_evidence=missing,
        automated=automated,
        decided_by_role=_actor_role(actor),
        remedy=remedy if outcome != "not_upheld" else "none",
        remedy_amount=amount,
        tariff_amount=tariff,
        currency=order.currency if order else "CNY",
        points=points,
        points_expire_at=evaluation.points_expire_at(rulebook, timezone.localtime(now)) if points else None,
        now=now,
        repeat_multiplier=category.repeat_multiplier if repeat else 1,
    )
    decision = Decision.objects.create(
        case=case,
        outcome=outcome,
        reason_codes=reason_codes,
        remedy=remedy if outcome != "not_upheld" else "none",
        remedy_amount=remedy_amount,
        points=points,
        track=category.track,
        automated=automated,
        decided_by=actor,
        decided_at=now,
        rulebook_version=rulebook.version,
        statement=statement,
    )
    if outcome != "not_upheld":
        instruct_remedy(case, decision, decision.remedy, remedy_amount, now)
        award_points(case, decision, rulebook, now)
    _notify(
        case,
        "case.decided",
        now,
        key=f"decision-{decision.pk}",
        outcome=outcome,
        reason_codes=reason_codes,
        automated=automated,
        points=points,
        track=category.track,
        remedy=decision.remedy,
        statement=statement,
    )
    tell(
        case,
        "decided",
        now,
        f"decision-{decision.pk}",
        reporter=True,
        merchant=True,
        outcome=statement["outcome_title"],
        statement={"zh": statements.render(statement, "zh-hans"), "en": statements.render(statement, "en")},
    )
    return decision


def decide_case(actor: User, case: Case, data: DecisionIn, *, now: datetime | None = None) -> Decision:
    """Decide a claimed case with reason codes and a statement of reasons, and enforce the outcome."""
    now = now or timezone.now()
    _require_decider(actor)
    rulebook = loader.get(case.rulebook_version)
    category = _category(rulebook, case.category)
    unknown = [code for code in data.reason_codes if code not in rulebook.reason_codes]
    if unknown:
        raise InvalidInput(
            "unknown_reason_code",
            f"Unknown reason code(s): {', '.join(unknown)}.",
            field="reason_codes",
            hint="Use: " + ", ".join(rulebook.reason_codes),
        )
    remedy = data.remedy or case.report.remedy_wanted
    if data.outcome != "not_upheld" and remedy not in category.remedies:
        raise InvalidInput(
            "remedy_not_available",
            f"{remedy!r} is not a remedy for this category.",
            field="remedy",
            hint="Use one of: " + ", ".join(category.remedies),
        )
    if data.outcome == "partly_upheld" and remedy in ("refund", "return_and_refund") and data.remedy_amount is None:
        raise InvalidInput(
            "remedy_amount_required", "A partly upheld refund needs the amount to refund.", field="remedy_amount"
        )
    if data.rectification is not None and data.outcome == "not_upheld":
        raise InvalidInput("rectification", "A report not upheld orders no rectification.", field="rectification")
    order = case.report.order
    if data.remedy_amount is not None and order is not None and data.remedy_amount > order.amount_paid:
        raise InvalidInput(
            "remedy_amount_too_high",
            f"The amount is more than the {order.amount_paid} {order.currency} paid.",
            field="remedy_amount",
        )
    with transaction.atomic():
        case = _locked(case)
        if case.claimed_by_id != actor.pk or (case.claim_expires_at and case.claim_expires_at <= now):
            raise Refused("claim_required", "Claim the case before deciding it; your claim may have lapsed.")
        transition("decide", case.state, actor.role)
        present = set(case.evidence.filter(party=Party.REPORTER).values_list("kind", flat=True))
        missing: list[str] = []
        if "insufficient_evidence" in data.reason_codes:
            wanted = category.required_evidence + category.recommended_evidence
            missing = [kind for kind in wanted if kind not in present]
        decision = _make_decision(
            case,
            rulebook,
            outcome=data.outcome,
            reason_codes=data.reason_codes,
            facts=data.statement,
            remedy=remedy,
            remedy_amount=data.remedy_amount,
            automated=False,
            actor=actor,
            missing=missing,
            now=now,
        )
        if data.rectification is not None:
            rectification.order(case, decision, data.rectification.kind, data.rectification.instructions, now)
        _apply(
            case,
            "decide",
            actor,
            now,
            reason=data.statement,
            data={"decision_id": decision.pk, "outcome": data.outcome, "reason_codes": data.reason_codes},
        )
    return decision


# --- what the clocks do -------------------------------------------------------------------------


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
            data={"decision_id": decision.pk, "outcome": "not_upheld", "missing_evidence": missing},
        )
    return decision


def handle_merchant_silence(case: Case, *, now: datetime | None = None) -> Case | None:
    """Apply the rulebook's consequence of merchant silence once the response deadline has passed.

    Return None when the case no longer qualifies.
    """
    now = now or timezone.now()
    rulebook = loader.get(case.rulebook_version)
    category = _category(rulebook, case.category)
    with transaction.atomic():
        case = _locked(case)
        if case.state != State.AWAITING_MERCHANT or not case.response_due_at or case.response_due_at > now:
            return None
        due = timezone.localtime(case.response_due_at)
        if category.silence == "uphold":
            facts = (
                f"The merchant did not answer by the deadline of {due:%Y-%m-%d %H:%M}; under the rulebook "
                f"a '{category.title.en}' report is then upheld. 商家未在 {due:%Y-%m-%d %H:%M} 前答复，"
                f"根据规则，“{category.title.zh}”类举报视为成立。"
            )
            decision = _make_decision(
                case,
                rulebook,
                outcome="upheld",
                reason_codes=["merchant_silent"],
                facts=facts,
                remedy=case.report.remedy_wanted,
                remedy_amount=None,
                automated=True,
                actor=None,
                missing=[],
                now=now,
            )
            _apply(
                case,
                "uphold_for_silence",
                None,
                now,
                reason=facts,
                data={"decision_id": decision.pk, "outcome": "upheld"},
            )
        else:
            _apply(
                case,
                "refer_silence_to_review",
                None,
                now,
                reason=f"The merchant did not answer by {due:%Y-%m-%d %H:%M}; the case goes to review.",
                decision_due_at=_to_review_clocks(case, now, "refer_silence_to_review"),
            )
            tell(
                case,
                "silence_referred",
                now,
                f"{case.reference}-silence",
                reporter=True,
                merchant=True,
                due=f"{due:%Y-%m-%d %H:%M}",
            )
    return case


def lapse_claim(case: Case, *, now: datetime | None = None) -> Case | None:
    """Return a case whose claim ran out to the queue; None if it no longer qualifies."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        if case.claimed_by_id is None or not case.claim_expires_at or case.claim_expires_at > now:
            return None
        holder = case.claimed_by
        _change(case, now, claimed_by=None, claim_expires_at=None)
        _record(case, "claim_lapsed", None, now, visibility=Visibility.STAFF, data={"holder": holder.username})
    return case


# --- service levels ------------------------------------------------------------------------------


def _overdue(case: Case, now: datetime) -> bool:
    """Return whether the party the case waits on (merchant or reviewer) has let its deadline pass."""
    if case.state == State.AWAITING_MERCHANT:
        return bool(case.response_due_at and case.response_due_at < now)
    if case.state == State.AWAITING_REVIEW:
        return bool(case.decision_due_at and case.decision_due_at < now)
    return False


def escalate(
    case: Case, *, stage: str, due: datetime, escalate: bool, raise_by: int, now: datetime | None = None
) -> Case:
    """Act on a breached clock (clocks.breach): raise the case's priority and/or escalate it to the supervisors.

    Escalation puts the case in the supervisors' escalated queue (its first escalation time is
    kept), sends the case.escalated webhook and tells each supervisor.
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        changes: dict[str, Any] = {}
        if raise_by:
            changes["priority"] = case.priority + raise_by
        if escalate:
            changes["escalated_at"] = case.escalated_at or now
        _change(case, now, **changes)
        when = f"{timezone.localtime(due):%Y-%m-%d %H:%M}"
        _record(
            case,
            "escalated" if escalate else "priority_raised",
            None,
            now,
            visibility=clocks.VISIBILITY[stage],
            reason=f"The {stage.replace('_', ' ')} was due {when}"
            + ("; the case goes to the supervisors." if escalate else "; its priority is raised."),
            data={"stage": stage, "due_at": due.isoformat(), "priority": case.priority},
        )
        if escalate:
            key = f"case-{case.reference}-escalated-{stage}-{now.timestamp():.0f}"
            _notify(case, "case.escalated", now, key=key, stage=stage, due_at=due.isoformat(), priority=case.priority)
            _tell_supervisors(case, stage, when, key, now)
    return case


ESCALATED_STAGE_TEXTS = {
    "acknowledgement": ("无人受理", "was not taken up by a reviewer"),
    "appeal": ("处罚申诉未决", "has a penalty appeal still undecided"),
}


def _tell_supervisors(case: Case, stage: str, when: str, key: str, now: datetime) -> None:
    if stage == "decision":
        tell(case, "escalated", now, key, reporter=False, merchant=False, supervisors=True, due=when)
        return
    zh, en = ESCALATED_STAGE_TEXTS.get(stage, (stage, stage))
    tell(
        case,
        "escalated_stage",
        now,
        key,
        reporter=False,
        merchant=False,
        supervisors=True,
        what={"zh": zh, "en": en},
        due=when,
    )


# --- evidence asked for during review --------------------------------------------------------------


def request_more_evidence(actor: User, case: Case, kinds: list[str], note: str, *, now: datetime | None = None) -> Case:
    """The reviewer holding the claim asks the reporter for more evidence.

    The platform's clocks (acknowledgement, decision) pause until the evidence comes or the
    rulebook's evidence deadline passes; then the case returns to review and they resume.
    """
    now = now or timezone.now()
    _require_decider(actor)
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
        request = {"kinds": list(dict.fromkeys(kinds)), "requested_at": now.isoformat(), "note": note.strip()}
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
            due=f"{timezone.localtime(due):%Y-%m-%d %H:%M}",
        )
    return case


def _return_to_review(case: Case, now: datetime, reason: str) -> None:
    resumed = clocks.resume(case, now)
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


def nudge_case(actor: User, case: Case, *, now: datetime | None = None) -> Case:
    """The reporter asks again about an open case (二次反馈).

    An overdue case gains priority and goes to the supervisors; a case that is not overdue can be
    nudged once per the rulebook's cooldown, and only goes on the timeline.
    """
    now = now or timezone.now()
    if not _reporter_side(actor, case):
        raise Forbidden("not_reporter", "Only the reporter (or an agent for them) can nudge a case.")
    sla = loader.get(case.rulebook_version).sla
    with transaction.atomic():
        case = _locked(case)
        if case.state not in OPEN_STATES:
            raise Refused("case_closed", f"The case is {case.state}; there is nothing to chase.")
        overdue = _overdue(case, now)
        if not overdue and case.last_nudged_at:
            next_allowed = case.last_nudged_at + timedelta(hours=sla.nudge_cooldown_hours)
            if now < next_allowed:
                raise Refused(
                    "nudge_limited",
                    "The case is within its deadlines and was nudged recently; you can nudge it again from "
                    f"{timezone.localtime(next_allowed):%Y-%m-%d %H:%M}.",
                    details={"next_allowed_at": next_allowed.isoformat()},
                )
        changes: dict[str, Any] = {"last_nudged_at": now}
        if overdue:
            changes["priority"] = case.priority + sla.nudge_priority
            changes["escalated_at"] = case.escalated_at or now
        _change(case, now, **changes)
        _record(case, "nudged", actor, now, data={"overdue": overdue, "priority": case.priority})
        if overdue:
            _notify(case, "case.nudged", now, key=f"case-{case.reference}-nudged-{now.timestamp():.0f}")
            tell(
                case,
                "nudged",
                now,
                f"{case.reference}-nudged-{now.timestamp():.0f}",
                reporter=False,
                merchant=False,
                supervisors=True,
            )
    return case
