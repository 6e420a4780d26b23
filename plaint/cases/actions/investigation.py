"""Own-initiative investigations: the platform opens a case itself, with no consumer reporter.

A supervisor opens one about a listing or a merchant (from a monitoring flag, or from what they found),
under a category of the rulebook in force, with the platform's findings and evidence. The case is
admitted at once and goes to the merchant, who answers as for any report; reviewers decide it; points
and the penalty ladder apply as usual. There is no reporter: no notices to one, no reply, no
negotiation offers, no reporter's appeal, no rating, no remedy (cases/actions/common.py `no_reporter`).

Intake windows: a category's window counts from an order's delivery, and an investigation names no
order (only listings and merchants, which are reported on their present state), so no window applies
and none can refuse it. The category's required evidence must come with it: there is nobody to ask
for it later, so a missing kind is refused before anything is written.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.db import insert
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.evidence.actions import CheckedUpload, Upload, check_uploads
from plaint.evidence.models import Evidence, Party
from plaint.marketplace.models import Listing, Merchant
from plaint.rulebook import evaluation, loader
from plaint.rulebook.evaluation import ADMITTED, Admissibility
from plaint.rulebook.schema import Category, Rulebook

from .. import chain, clocks, priority
from ..inputs import InvestigationIn
from ..models import Case, Channel, Report
from ..transitions import SYSTEM, State, transition
from .common import Filed, _attach, _category, _event, _notify
from .filing import _existing, open_case_of, request_digest
from .merchant_response import _tell_merchant_to_answer

INVESTIGATING_ROLES = {Role.SUPERVISOR}
TARGET_TYPES = ("listing", "merchant")


def investigation_matter(target_type: str, target_id: int, category: str) -> str:
    """Return an investigation's matter: one open investigation per target and category.

    "platform/…" never equals a consumer's matter ("<consumer id>/…"): an investigation and a consumer's
    report about the same listing are different matters and may both be open.
    """
    return f"platform/{target_type}/{target_id}/{category}"


def _target(data: InvestigationIn) -> tuple[Listing | None, Merchant]:
    if data.target_type == "listing":
        listing = Listing.objects.select_related("merchant").filter(external_id=data.target_id).first()
        if listing is None:
            raise InvalidInput("unknown_listing", f"No listing {data.target_id!r}.", field="target_id")
        return listing, listing.merchant
    merchant = Merchant.objects.filter(external_id=data.target_id).first()
    if merchant is None:
        raise InvalidInput("unknown_merchant", f"No merchant {data.target_id!r}.", field="target_id")
    return None, merchant


def open_investigation(
    actor: User,
    data: InvestigationIn,
    uploads: list[Upload] = (),
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Filed:
    """Open an own-initiative investigation of a listing or merchant, admitted at once, and return the case.

    A retried call with the same idempotency key returns the first case (created=False). Refused: a
    target the category does not cover, evidence the category requires missing (422), an open
    investigation of the same target and category (409 duplicate_investigation).
    """
    now = now or timezone.now()
    if actor.role not in INVESTIGATING_ROLES:
        raise Forbidden("not_a_supervisor", "Only supervisors open investigations.")
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
    if data.target_type not in TARGET_TYPES:
        raise InvalidInput(
            "target_type",
            "An investigation is about a listing or a merchant.",
            field="target_type",
            hint="listing, merchant",
        )
    if data.target_type not in category.targets:
        raise InvalidInput(
            "target_not_covered",
            f"'{category.title.en}' does not cover a {data.target_type} (it covers: {', '.join(category.targets)}).",
            field="category",
            hint="Choose a category that covers this target, or investigate the listing instead of the merchant.",
        )
    if len(data.description) > rulebook.intake.description_max_chars:
        raise InvalidInput(
            "description_too_long",
            f"The findings have {len(data.description)} characters; the limit is "
            f"{rulebook.intake.description_max_chars}.",
            field="description",
            hint="Shorten them, or attach the rest as a file of evidence.",
        )
    listing, merchant = _target(data)
    checked, rejected = check_uploads(list(uploads), rulebook)
    # No delivery date: an investigation names no order, so the category's window (counted from delivery)
    # does not apply, and assess() admits it on the evidence alone.
    result = evaluation.assess(
        rulebook, category, data.target_type, None, timezone.localtime(now), {item.kind for item in checked}
    )
    if result.missing_evidence:
        titles = ", ".join(f"{k} ({rulebook.evidence_kinds[k].en})" for k in result.missing_evidence)
        raise InvalidInput(
            "evidence_required",
            f"A '{category.title.en}' case needs this evidence, and an investigation has nobody to ask for it "
            f"later: {titles}.",
            field="files",
            hint="Attach the files with each one's evidence kind; nothing was opened.",
            details={
                "missing_evidence": list(result.missing_evidence),
                "rejected_files": [r.as_dict() for r in rejected],
            },
        )
    if result.outcome != ADMITTED:
        raise InvalidInput("not_admissible", result.explanation["en"], field="category")
    target = listing or merchant
    matter = investigation_matter(data.target_type, target.pk, category.code)
    try:
        with transaction.atomic():
            case, stored = _open(
                actor,
                data,
                idempotency_key,
                digest,
                rulebook,
                category,
                listing,
                merchant,
                matter,
                checked,
                rejected,
                result,
                now,
            )
    except IntegrityError:
        existing = _existing(actor, idempotency_key, digest)
        if existing is not None:
            return Filed(existing, created=False)
        open_case = open_case_of(matter)
        if open_case is None:
            raise
        raise Refused(
            "duplicate_investigation",
            f"An investigation of this {data.target_type} under '{category.title.en}' is open: {open_case}.",
            hint=f"Add to {open_case} (a note, or ask the merchant in its thread); open another once it is closed.",
            details={"case": open_case},
        ) from None
    return Filed(case, created=True, rejected_files=[r.as_dict() for r in rejected], stored=stored)


def _open(
    actor: User,
    data: InvestigationIn,
    idempotency_key: str | None,
    digest: str,
    rulebook: Rulebook,
    category: Category,
    listing: Listing | None,
    merchant: Merchant,
    matter: str,
    checked: list[CheckedUpload],
    rejected: list,
    result: Admissibility,
    now: datetime,
) -> tuple[Case, list[Evidence]]:
    admit = transition("admit", State.NEW, SYSTEM)
    # Priority under a rulebook with [priority] (version 4 on), computed as a report's (filing.py) from
    # the terms that apply: severity, and age as the worker adds it. There is no order (no amount), no
    # cluster (an investigation joins none: clusters count reporters), no reporter (no record, no trusted
    # flagger), and the evidence is the platform's (forensics counts the reporter's): those terms are 0.
    weights = rulebook.priority if settings.PLAINT_INTAKE_SCREENING else None
    case_priority, terms = category.priority, {}
    if weights is not None:
        case_priority, terms = priority.compute(weights, priority.Inputs(category=category.code))
    report = insert(
        Report(
            reporter=None,
            filed_by=actor,
            channel=Channel.OWN_INITIATIVE,
            target_type=data.target_type,
            listing=listing,
            merchant=merchant,
            category=category.code,
            description=data.description,
            # No consumer, so no remedy: the decision is about points, measures and rectification.
            remedy_wanted="none",
            idempotency_key=idempotency_key,
            request_digest=digest,
            submitted_at=now,
        )
    )
    case = insert(
        Case(
            report=report,
            merchant=merchant,
            reporter=None,
            category=category.code,
            channel=Channel.OWN_INITIATIVE,
            state=admit.target.value,
            priority=case_priority,
            priority_terms=terms,
            rulebook_version=rulebook.version,
            admissibility=result.as_dict() | {"own_initiative": True},
            response_due_at=clocks.due_at("merchant_response", now, rulebook, report),
            opened_at=now,
            updated_at=now,
            matter=matter,
        )
    )
    filed = {"channel": Channel.OWN_INITIATIVE.value, "channel_reference": "", "opened_by_role": actor.role}
    if data.flag_id:
        filed["monitoring_flag"] = data.flag_id
    events = [_event(case, "filed", actor, now, data=filed, to_state=State.NEW)]
    stored, attached = _attach(case, checked, rejected, actor, Party.PLATFORM, now, with_report=True)
    events += attached
    events.append(
        _event(
            case,
            admit.name,
            None,
            now,
            reason=result.explanation["en"],
            data=result.as_dict(),
            from_state=State.NEW,
            to_state=admit.target.value,
        )
    )
    clocks.start(case, "merchant_response", now, pending=events)
    chain.append(case, events, new_case=True)
    _notify(case, "case.opened", now, key=f"case-{case.reference}-opened", admissibility=ADMITTED, own_initiative=True)
    _tell_merchant_to_answer(case, now)
    return case, stored
