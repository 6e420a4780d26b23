"""Filing a report: who may file for whom, through which channel, about what; admissibility at once.

A report opens a case already in the state its admissibility leads to (admitted: the merchant's turn;
needs evidence: the reporter's; inadmissible: closed with the alternatives). Only one case of a matter
(reporter, target, category) may be open at a time.
"""

import hashlib
import json
import math
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.db import get_with, insert
from plaint.errors import Forbidden, InvalidInput, RateLimited, Refused
from plaint.evidence.actions import CheckedUpload, Upload, check_uploads
from plaint.evidence.inspection import as_file
from plaint.evidence.models import Evidence, Party
from plaint.marketplace.models import Consumer, Listing, Merchant, Order
from plaint.notifications.emails import at
from plaint.reporters import flaggers, misuse, rings
from plaint.rulebook import evaluation, loader
from plaint.rulebook.evaluation import ADMITTED, INADMISSIBLE, NEEDS_EVIDENCE
from plaint.rulebook.schema import Category, Rulebook

from .. import chain, clocks, clusters, priority, problems
from ..inputs import ReportIn
from ..models import Case, Channel, Report
from ..notices import tell
from ..reading import reporter_record
from ..transitions import OPEN_STATES, SYSTEM, State, transition
from .clusters import after_join
from .common import Filed, _attach, _category, _event, _notify
from .merchant_response import _tell_merchant_to_answer

FILING_ROLES = {Role.CONSUMER, Role.AGENT, Role.MARKETPLACE, Role.TRUSTED_FLAGGER}
# The channels each filing role may record.
CHANNELS_BY_ROLE = {
    Role.CONSUMER: {Channel.WEB, Channel.APP},
    Role.AGENT: {Channel.HOTLINE, Channel.ONLINE_CHAT, Channel.EMAIL},
    Role.MARKETPLACE: {Channel.API, Channel.APP, Channel.WEB},
    Role.TRUSTED_FLAGGER: {Channel.TRUSTED_FLAGGER},
}
DEFAULT_CHANNEL = {
    Role.CONSUMER: Channel.WEB,
    Role.AGENT: Channel.HOTLINE,
    Role.MARKETPLACE: Channel.API,
    Role.TRUSTED_FLAGGER: Channel.TRUSTED_FLAGGER,
}
# Reports an agent takes in a conversation name the call or chat, so the case leads back to its
# recording or transcript.
CONVERSATION_CHANNELS = {Channel.HOTLINE: "call", Channel.ONLINE_CHAT: "chat"}


def _reporter(actor: User, data: ReportIn) -> Consumer:
    if actor.role == Role.TRUSTED_FLAGGER:
        # A trusted flagger reports as itself (its own reporter row), about listings and merchants.
        flagger = flaggers.flagger_of(actor)
        if data.consumer_id:
            raise InvalidInput(
                "consumer_id", "A trusted flagger reports as itself; leave consumer_id out.", field="consumer_id"
            )
        if data.target_type == "order":
            raise InvalidInput(
                "flagger_target",
                "A trusted flagger reports a listing or a merchant, not an order (an order is its buyer's to report).",
                field="target_type",
                hint="Send target_type 'listing' with the listing's id, or 'merchant'.",
            )
        return flagger.consumer
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
    """Return the reference of the open case of `matter`, None if there is none.

    A case raises its main matter and, for a report of several problems, each problem's (CaseProblem).
    """
    return problems.open_case_of_matters([matter])


def _duplicate(matter: str | list[str], category: Category | list[Category], target_type: str) -> Refused | None:
    """Return the refusal naming the open case of `matter` (or of any of several), None if there is none."""
    matters = [matter] if isinstance(matter, str) else matter
    categories = [category] if isinstance(category, Category) else category
    open_case = problems.open_case_of_matters(matters)
    if open_case is None:
        return None
    titles = " / ".join(c.title.en for c in categories)
    return Refused(
        "duplicate_report",
        f"This {target_type} already has an open '{titles}' report from this consumer: {open_case}.",
        hint=f"Add evidence to {open_case} or chase it; a new report can be filed once it is closed.",
        details={"case": open_case},
    )


LIMIT_WINDOWS = {"reports_per_hour": timedelta(hours=1), "reports_per_day": timedelta(days=1)}


def check_report_limits(rulebook: Rulebook, reporter_id: int, now: datetime) -> None:
    """Refuse (429 too_many_reports) a report past the rulebook's per-reporter limits ([intake.limits]).

    Counts the reporter's cases opened in the last hour and the last 24 hours, whoever filed them,
    reading at most reports_per_day rows of the case_reporter index. The refusal says which limit and
    when one more report will be accepted: when the oldest report that fills the window leaves it.
    Two requests of one reporter at the same instant may both pass (the count is read before the
    filing's transaction); the next one is refused.
    """
    limits = rulebook.intake.limits
    if limits is None:
        return
    recent = list(
        Case.objects.filter(reporter_id=reporter_id, opened_at__gt=now - LIMIT_WINDOWS["reports_per_day"])
        .order_by("-opened_at")
        .values_list("opened_at", flat=True)[: limits.reports_per_day]
    )
    refusal = None
    for name, window in LIMIT_WINDOWS.items():
        allowed = getattr(limits, name)
        inside = [at for at in recent if at > now - window]
        if len(inside) >= allowed:
            retry_at = inside[allowed - 1] + window
            if refusal is None or retry_at > refusal[2]:
                refusal = (name, allowed, retry_at)
    if refusal is None:
        return
    name, allowed, retry_at = refusal
    seconds = max(1, math.ceil((retry_at - now).total_seconds()))
    period = "hour" if name == "reports_per_hour" else "24 hours"
    local = timezone.localtime(retry_at)
    raise RateLimited(
        "too_many_reports",
        f"This reporter has filed {allowed} reports in the last {period}; the rulebook allows {allowed} "
        f"({name} in [intake.limits], version {rulebook.version}).",
        hint=f"Nothing was filed. Send the report again after {local:%Y-%m-%d %H:%M %Z} ({seconds} seconds; "
        "the Retry-After header).",
        retry_after=seconds,
        details={
            "limit": name,
            "allowed": allowed,
            "retry_at": local.isoformat(),
            "retry_after_seconds": seconds,
            "rulebook_version": rulebook.version,
        },
    )


def request_digest(data: ReportIn, uploads: list[Upload]) -> str:
    """Return the SHA-256 that identifies a filing request: its fields and each file's name, kind and content."""
    digest = hashlib.sha256(json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode())
    for upload in uploads:
        digest.update(b"\0" + upload.name.encode() + b"\0" + upload.kind.encode() + b"\0")
        if isinstance(upload.data, bytes | bytearray):
            digest.update(hashlib.sha256(upload.data).digest())
        else:
            digest.update(hashlib.file_digest(as_file(upload.data), "sha256").digest())
            upload.data.seek(0)
    return digest.hexdigest()


def _existing(actor: User, key: str | None, digest: str) -> Case | None:
    """Return the case a retry of this request made; refuse the key if it was used for another request."""
    if not key:
        return None
    case = Case.objects.select_related("report").filter(report__filed_by=actor, report__idempotency_key=key).first()
    # Reports filed before digests were kept have none: a retry of those is still answered with its case.
    if case is not None and case.report.request_digest and case.report.request_digest != digest:
        raise InvalidInput(
            "idempotency_key_reused",
            f"The Idempotency-Key {key!r} was already used for another report: {case.reference}.",
            field="Idempotency-Key",
            hint="Send a new key with each new report; reuse a key only to retry the very same request.",
            details={"case": case.reference},
        )
    return case


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
    digest = request_digest(data, list(uploads)) if idempotency_key else ""
    existing = _existing(actor, idempotency_key, digest)
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
    extra = problems.extra_categories(rulebook, category, data.also, data.target_type)
    reporter = _reporter(actor, data)
    misuse.check_may_report(reporter.pk, now)
    check_report_limits(rulebook, reporter.pk, now)
    order, listing, merchant = _target(data, reporter)
    channel = _channel(actor, data)
    target = {"order": order, "listing": listing}.get(data.target_type, merchant)
    matter = matter_of(reporter.pk, data.target_type, target.pk, category.code)
    flaggers.check_flagger_evidence(
        rulebook, category, {u.kind for u in uploads}, flagger=actor.role == Role.TRUSTED_FLAGGER
    )
    # One open report per problem: the main matter's constraint guards the main category; a report's
    # other problems, and a main category named among another open report's problems, are checked here.
    matters = [matter] + [matter_of(reporter.pk, data.target_type, target.pk, c.code) for c in extra]
    if extra or problems.open_case_of_problem(matter):
        duplicate = _duplicate(matters, [category, *extra], data.target_type)
        if duplicate is not None:
            raise duplicate
    checked, rejected = check_uploads(list(uploads), rulebook)
    try:
        with transaction.atomic():
            case, stored = _open_case(
                actor,
                data,
                idempotency_key,
                digest,
                rulebook,
                [category, *extra],
                reporter,
                order,
                listing,
                merchant,
                channel,
                matters,
                checked,
                rejected,
                now,
            )
    except IntegrityError:
        # The same key raced us from another request: return the case that one made.
        existing = _existing(actor, idempotency_key, digest)
        if existing is not None:
            return Filed(existing, created=False)
        # The same matter is open already (filed before, or by a request that raced this one).
        duplicate = _duplicate(matters, [category, *extra], data.target_type)
        if duplicate is None:
            raise
        raise duplicate from None
    return Filed(case, created=True, rejected_files=[r.as_dict() for r in rejected], stored=stored)


INTAKE_TRANSITIONS = {ADMITTED: "admit", NEEDS_EVIDENCE: "request_evidence", INADMISSIBLE: "declare_inadmissible"}


def _open_case(
    actor: User,
    data: ReportIn,
    idempotency_key: str | None,
    digest: str,
    rulebook: Rulebook,
    categories: list[Category],
    reporter: Consumer,
    order: Order | None,
    listing: Listing | None,
    merchant: Merchant,
    channel: str,
    matters: list[str],
    checked: list[CheckedUpload],
    rejected: list,
    now: datetime,
) -> tuple[Case, list[Evidence]]:
    # Admissibility is decided before anything is written, so the case is inserted once, already in the
    # state its intake transition leads to; the log still records "filed" and then that transition.
    # Each problem of a report of several is judged against its own window and evidence (problems.py).
    category, matter = categories[0], matters[0]
    results = [
        (
            c,
            evaluation.assess(
                rulebook,
                c,
                data.target_type,
                timezone.localtime(order.delivered_at) if order and order.delivered_at else None,
                timezone.localtime(now),
                {item.kind for item in checked},
            ),
        )
        for c in categories
    ]
    result = results[0][1] if len(results) == 1 else problems.combine(rulebook, results)
    several = {"problems": problems.summary(results)} if len(results) > 1 else {}
    intake = transition(INTAKE_TRANSITIONS[result.outcome], State.NEW, SYSTEM)
    final = intake.target not in OPEN_STATES
    # Screening (version 4 on): the cluster the report joins and the priority's terms. An inadmissible
    # report joins no cluster.
    screening = settings.PLAINT_INTAKE_SCREENING
    cluster, grew = (None, False)
    if not final and screening:
        cluster, grew = clusters.join(rulebook, category.code, reporter.pk, merchant, order, listing, now)
    weights = rulebook.priority if screening else None
    terms: dict[str, int] = {}
    case_priority = category.priority
    inputs = None
    if weights is not None:
        record = reporter_record(reporter.pk)
        inputs = priority.Inputs(
            category=category.code,
            amount=order.amount_paid if order else None,
            cluster_size=cluster.size if cluster else 0,
            reporter_upheld=record["upheld"],
            reporter_unfounded=record["unfounded"],
            trusted_flagger=actor.role == Role.TRUSTED_FLAGGER,
        )
        case_priority, terms = priority.compute(weights, inputs)
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
            request_digest=digest,
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
            priority=case_priority,
            priority_terms=terms,
            cluster=cluster,
            escalated_at=now if cluster and cluster.escalated_at else None,
            trusted_flagger=actor.role == Role.TRUSTED_FLAGGER,
            rulebook_version=rulebook.version,
            admissibility=result.as_dict() | several,
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
    if several:
        problems.create_rows(case, results, matters)
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
    stored, attached = _attach(case, checked, rejected, actor, Party.REPORTER, now, with_report=True, screen=screening)
    events += attached
    if cluster is not None:
        events += after_join(case, cluster, grew, rulebook, now)
        # A cluster escalating now marked its open cases, this one among them, in the database.
        case.escalated_at = case.escalated_at or cluster.escalated_at
    if inputs is not None and any(e.phash is not None for e in stored):
        # The forensics flags _attach just wrote (kept on each photo) count in the priority; the case is
        # this transaction's own, so it is written without a lock.
        flags = sum(1 for e in stored for code in getattr(e, "flag_codes", ()) if code in weights.forensics_codes)
        if flags:
            case.priority, case.priority_terms = priority.compute(weights, replace(inputs, forensics_flags=flags))
            Case.objects.filter(pk=case.pk).update(priority=case.priority, priority_terms=case.priority_terms)
    events.append(
        _event(
            case,
            intake.name,
            None,
            now,
            reason=result.explanation["en"],
            data=result.as_dict() | several,
            from_state=State.NEW,
            to_state=intake.target.value,
        )
    )
    if result.outcome == ADMITTED:
        clocks.start(case, "merchant_response", now, pending=events)
    chain.append(case, events, new_case=True)
    case.ring_flagged = case.reference in rings.check_ring(case, rulebook, now)
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
            due=at(case.evidence_due_at),
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
