"""Misuse of the report button (EU DSA art. 23): a warning, then a suspension from reporting, and its appeal.

"Manifestly unfounded" is the rulebook's ([misuse] reason_codes): a report whose case's latest decision
is not upheld and carries one of those reason codes, the reviewer's explicit mark. A plain "unfounded"
(an honest mistake) and an inadmissible report do not count. The rule in force when a decision is taken
is applied to the reporter's decisions of its window, right after each decision (`review_reporter`).
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.db import select_rows
from plaint.errors import Forbidden, InvalidInput, NotFound, Refused
from plaint.marketplace.models import Consumer
from plaint.notifications.emails import at
from plaint.notifications.notify import Audience, notify
from plaint.rulebook import loader
from plaint.rulebook.schema import Misuse

from .models import AppealResult, MeasureKind, ReporterMeasure

STANDING_PATH = "/consumer/standing/"
_UNLIFTED_SUSPENSION = (
    f"SELECT 1 FROM {ReporterMeasure._meta.db_table} WHERE consumer_id = %s AND kind = %s AND lifted_at IS NULL LIMIT 1"
)
APPEAL_TEXT_MAX = 4000


def figures(misuse: Misuse, consumer_id: int, now: datetime) -> dict[str, Any]:
    """Return what the misuse rule counts for a reporter: decided reports in its window, manifestly unfounded, share.

    A case counts once, by its latest decision in the window (an appeal's new decision replaces the first).
    """
    from plaint.cases.models import Decision

    since = now - timedelta(days=misuse.window_days)
    latest: dict[int, tuple[str, list, str]] = {}
    rows = (
        Decision.objects.filter(case__reporter_id=consumer_id, decided_at__gt=since, decided_at__lte=now)
        .order_by("decided_at", "id")
        .values_list("case_id", "outcome", "reason_codes", "case__reference")
    )
    for case_id, outcome, codes, reference in rows:
        latest[case_id] = (outcome, codes or [], reference)
    marked = set(misuse.reason_codes)
    unfounded = sorted(
        ref for outcome, codes, ref in latest.values() if outcome == "not_upheld" and marked & set(codes)
    )
    decided = len(latest)
    return {
        "decided": decided,
        "manifestly_unfounded": len(unfounded),
        "share": round(len(unfounded) / decided, 4) if decided else 0.0,
        "window_days": misuse.window_days,
        "min_decided": misuse.min_decided,
        "warn_share": misuse.warn_share,
        "suspend_share": misuse.suspend_share,
        "cases": unfounded,
    }


def suspension_in_force(consumer_id: int, now: datetime) -> ReporterMeasure | None:
    """Return the reporter's suspension from reporting in force at `now`, or None (reporter_measure_latest).

    Asked at every filing, and almost every reporter has no suspension ever: a probe written as SQL
    answers that first, and only a reporter with an unlifted suspension is read with the ORM.
    """
    if not select_rows(_UNLIFTED_SUSPENSION, [consumer_id, MeasureKind.SUSPENSION]):
        return None
    return (
        ReporterMeasure.objects.filter(
            consumer_id=consumer_id, kind=MeasureKind.SUSPENSION, ends_at__gt=now, lifted_at__isnull=True
        )
        .order_by("-taken_at")
        .first()
    )


def check_may_report(consumer_id: int, now: datetime) -> None:
    """Refuse (403 reporting_suspended) a report of a suspended reporter, saying until when and how to appeal."""
    measure = suspension_in_force(consumer_id, now)
    if measure is None:
        return
    local = timezone.localtime(measure.ends_at)
    appeal = (
        "Appeal it on the page /consumer/standing/ or with POST /api/reporter/measures/"
        f"{measure.pk}/appeal; a supervisor who did not take it decides."
        if measure.appealed_at is None
        else "Its appeal is with a supervisor; the answer comes by e-mail and on /consumer/standing/."
    )
    raise Forbidden(
        "reporting_suspended",
        f"This reporter is suspended from reporting until {local:%Y-%m-%d %H:%M %Z}: "
        f"{measure.figures['manifestly_unfounded']} of {measure.figures['decided']} reports decided in the last "
        f"{measure.figures['window_days']} days were manifestly unfounded (DSA art. 23, [misuse] of rulebook "
        f"version {measure.rulebook_version}).",
        hint=f"Nothing was filed. {appeal}",
        details={
            "measure": measure.pk,
            "until": local.isoformat(),
            "appealed": measure.appealed_at is not None,
            "appeal_url": STANDING_PATH,
        },
    )


def _tell(consumer: Consumer, event: str, key: str, now: datetime, **fields: str | dict[str, str]) -> None:
    audience = Audience("reporter", consumer.email, consumer.language, Q(consumer_id=consumer.pk), STANDING_PATH)
    notify(event, key, [audience], now, **fields)


def _reason_fields(found: dict[str, Any]) -> dict[str, str]:
    return {
        "decided": str(found["decided"]),
        "unfounded": str(found["manifestly_unfounded"]),
        "percent": f"{round(found['share'] * 100)}",
        "window": str(found["window_days"]),
    }


def review_reporter(consumer_id: int, now: datetime) -> ReporterMeasure | None:
    """Apply the misuse rule in force to a reporter after a decision; return the warning or suspension taken, if any.

    A warning comes when the share reaches warn_share and no warning was given in the window. A suspension
    needs a warning given before (DSA art. 23(1): "after having issued a prior warning"), a manifestly
    unfounded decision since it, the share at suspend_share or more, and no suspension in force. Call it
    inside the decision's transaction.
    """
    misuse = loader.in_force(now).misuse
    if misuse is None:
        return None
    found = figures(misuse, consumer_id, now)
    if found["decided"] < misuse.min_decided or found["manifestly_unfounded"] == 0:
        return None
    since = now - timedelta(days=misuse.window_days)
    measures = ReporterMeasure.objects.filter(consumer_id=consumer_id)
    warning = measures.filter(kind=MeasureKind.WARNING, taken_at__gt=since).order_by("-taken_at").first()
    consumer = Consumer.objects.get(pk=consumer_id)
    version = loader.in_force(now).version
    if warning is None:
        if found["share"] < misuse.warn_share:
            return None
        measure = ReporterMeasure.objects.create(
            consumer=consumer, kind=MeasureKind.WARNING, figures=found, rulebook_version=version, taken_at=now
        )
        _tell(consumer, "reporter_warned", f"reporter-measure-{measure.pk}", now, **_reason_fields(found))
        return measure
    if found["share"] < misuse.suspend_share or suspension_in_force(consumer_id, now) is not None:
        return None
    from plaint.cases.models import Decision

    marked = Decision.objects.filter(
        case__reporter_id=consumer_id, decided_at__gt=warning.taken_at, outcome="not_upheld"
    ).values_list("reason_codes", flat=True)
    if not any(set(codes or []) & set(misuse.reason_codes) for codes in marked):
        return None
    ends = now + timedelta(days=misuse.suspension_days)
    measure = ReporterMeasure.objects.create(
        consumer=consumer,
        kind=MeasureKind.SUSPENSION,
        figures=found | {"warning": warning.pk, "warned_at": warning.taken_at.isoformat()},
        rulebook_version=version,
        taken_at=now,
        ends_at=ends,
    )
    _tell(
        consumer,
        "reporter_suspended",
        f"reporter-measure-{measure.pk}",
        now,
        until=at(ends),
        **_reason_fields(found),
    )
    return measure


def measures_of(consumer_id: int) -> list[ReporterMeasure]:
    """Return a reporter's warnings and suspensions, newest first."""
    return list(ReporterMeasure.objects.filter(consumer_id=consumer_id).order_by("-taken_at", "-id"))


def appeal_suspension(actor: User, measure_id: int, text: str, *, now: datetime | None = None) -> ReporterMeasure:
    """The reporter appeals a suspension from reporting (once, while it is in force); the supervisors are told."""
    now = now or timezone.now()
    if actor.role != Role.CONSUMER or actor.consumer_id is None:
        raise Forbidden("not_reporter", "Only the reporter appeals a suspension from reporting.")
    text = (text or "").strip()
    if not text:
        raise InvalidInput(
            "appeal_text_required",
            "Say why the suspension should be lifted.",
            field="text",
            hint="Name the reports you think were not manifestly unfounded, and why.",
        )
    if len(text) > APPEAL_TEXT_MAX:
        raise InvalidInput(
            "appeal_text_too_long", f"The appeal has at most {APPEAL_TEXT_MAX} characters.", field="text"
        )
    with transaction.atomic():
        measure = (
            ReporterMeasure.objects.select_for_update().filter(pk=measure_id, consumer_id=actor.consumer_id).first()
        )
        if measure is None:
            raise NotFound("measure", f"You have no warning or suspension {measure_id}.")
        if measure.kind != MeasureKind.SUSPENSION:
            raise Refused("not_appealable", "A warning restricts nothing and is not appealed; a suspension is.")
        if measure.appealed_at is not None:
            raise Refused("already_appealed", "This suspension was appealed already; a supervisor decides it.")
        if measure.lifted_at is not None or measure.ends_at <= now:
            raise Refused("suspension_over", "This suspension is no longer in force.")
        measure.appeal_text = text
        measure.appealed_at = now
        measure.save(update_fields=["appeal_text", "appealed_at"])
        supervisors = Audience(
            "supervisors", "", "bilingual", Q(role=Role.SUPERVISOR, is_active=True), "/review/reporter-appeals/"
        )
        notify(
            "reporter_appeal_received",
            f"reporter-appeal-{measure.pk}",
            [supervisors],
            now,
            consumer=measure.consumer.external_id,
        )
    return measure


def decide_suspension_appeal(
    actor: User, measure_id: int, result: str, reasons: str, *, now: datetime | None = None
) -> ReporterMeasure:
    """A supervisor who did not take the suspension decides its appeal: lifted (at once) or upheld, with reasons."""
    now = now or timezone.now()
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("supervisors_only", "A supervisor decides the appeal against a suspension from reporting.")
    if result not in AppealResult.values:
        raise InvalidInput("result", "The result is 'lifted' or 'upheld'.", field="result")
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput("reasons_required", "Give the reasons, which the reporter reads.", field="reasons")
    if len(reasons) > APPEAL_TEXT_MAX:
        raise InvalidInput(
            "reasons_too_long", f"The reasons have at most {APPEAL_TEXT_MAX} characters.", field="reasons"
        )
    with transaction.atomic():
        measure = ReporterMeasure.objects.select_for_update().filter(pk=measure_id).first()
        if measure is None:
            raise NotFound("measure", f"No suspension {measure_id}.")
        if measure.appealed_at is None:
            raise Refused("not_appealed", "This suspension has not been appealed.")
        if measure.appeal_decided_at is not None:
            raise Refused("appeal_decided", "This appeal was decided already.")
        if measure.taken_by_id == actor.pk:
            raise Forbidden("own_measure", "The supervisor who took the suspension does not decide its appeal.")
        measure.appeal_result = result
        measure.appeal_reasons = reasons
        measure.appeal_decided_by = actor
        measure.appeal_decided_at = now
        fields = ["appeal_result", "appeal_reasons", "appeal_decided_by", "appeal_decided_at"]
        if result == AppealResult.LIFTED:
            measure.lifted_at = now
            fields.append("lifted_at")
        measure.save(update_fields=fields)
        event = "reporter_appeal_lifted" if result == AppealResult.LIFTED else "reporter_appeal_upheld"
        _tell(
            measure.consumer,
            event,
            f"reporter-appeal-decided-{measure.pk}",
            now,
            reasons=reasons,
            until=at(measure.ends_at),
        )
    return measure


def appeals_to_decide() -> list[ReporterMeasure]:
    """Return the suspensions appealed and not yet decided, oldest appeal first (reporter_measure_appeals)."""
    return list(
        ReporterMeasure.objects.filter(appealed_at__isnull=False, appeal_decided_at__isnull=True)
        .select_related("consumer")
        .order_by("appealed_at", "id")[:200]
    )


def measure_item(measure: ReporterMeasure, now: datetime) -> dict[str, Any]:
    """Return a warning or suspension as the API and the pages show it: figures, dates, appeal and its outcome."""
    in_force = (
        measure.kind == MeasureKind.SUSPENSION
        and measure.lifted_at is None
        and measure.ends_at is not None
        and measure.ends_at > now
    )
    return {
        "id": measure.pk,
        "kind": measure.kind,
        "taken_at": measure.taken_at.isoformat(),
        "ends_at": measure.ends_at.isoformat() if measure.ends_at else None,
        "in_force": in_force,
        "automated": measure.taken_by_id is None,
        "rulebook_version": measure.rulebook_version,
        "figures": measure.figures,
        "may_appeal": in_force and measure.appealed_at is None,
        "appeal": {
            "text": measure.appeal_text,
            "appealed_at": measure.appealed_at.isoformat(),
            "result": measure.appeal_result or None,
            "reasons": measure.appeal_reasons or None,
            "decided_at": measure.appeal_decided_at.isoformat() if measure.appeal_decided_at else None,
        }
        if measure.appealed_at
        else None,
        "lifted_at": measure.lifted_at.isoformat() if measure.lifted_at else None,
    }
