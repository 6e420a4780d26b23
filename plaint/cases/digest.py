"""The supervisors' escalation digest: one e-mail per period listing the clocks that breached and escalated.

Under a rulebook with [escalation] digest_minutes, a breach that escalates tells each supervisor in
the portal at once (cases/actions/escalation.py) but not by e-mail: this worker job sends each
active supervisor one e-mail per period listing every such breach since the last digest. A period
with no breach sends nothing. Run on every worker pass; `EscalationDigest.period_start` is unique,
so with several workers (or a retried pass) a period's digest is sent once, and the outbox's keys
make its e-mails idempotent too.
"""

from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.notifications.notify import Audience, notify
from plaint.rulebook import loader

from .models import Case, CaseEvent, EscalationDigest

# Lines listed in one e-mail; the rest are counted (the supervisors' view lists them all).
MAX_LINES = 200
STAGE_TITLES = {
    "acknowledgement": ("受理", "acknowledgement"),
    "decision": ("决定", "decision"),
    "appeal": ("申诉复核", "appeal reconsideration"),
    "committee": ("委员会合议", "committee panel"),
}


def period_start(now: datetime, minutes: int) -> datetime:
    """Return the start of the digest period `now` falls in: periods of `minutes` counted from midnight UTC."""
    midnight = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
    elapsed = int((now - midnight).total_seconds() // 60)
    return midnight + timedelta(minutes=elapsed - elapsed % minutes)


def _digest_versions() -> set[str]:
    return {rb.version for rb in loader.versions() if rb.escalation is not None}


def send_escalation_digest(now: datetime | None = None) -> int:
    """Send this period's digest of escalating breaches, if one is due; return how many breaches it listed.

    Nothing when the rulebook in force has no [escalation], when this period's digest went already,
    or when nothing escalated since the last one. Breaches are read from the clock_breached events
    (their partial index by time), of cases whose rulebook version mails digests.
    """
    now = now or timezone.now()
    rulebook = loader.in_force(now)
    if rulebook.escalation is None:
        return 0
    start = period_start(now, rulebook.escalation.digest_minutes)
    if EscalationDigest.objects.filter(period_start=start).exists():
        return 0
    last = EscalationDigest.objects.order_by("-period_start").first()
    since = last.covers_until if last else start - timedelta(minutes=rulebook.escalation.digest_minutes)
    breaches = [
        e
        for e in CaseEvent.objects.filter(
            kind="clock_breached", at__gte=since, at__lt=now, rulebook_version__in=_digest_versions()
        )
        .select_related("case")
        .order_by("at", "id")
        if "escalate" in (e.data.get("on_breach") or [])
    ]
    if not breaches:
        return 0
    try:
        with transaction.atomic():
            EscalationDigest.objects.create(
                period_start=start, covers_from=since, covers_until=now, escalations=len(breaches), sent_at=now
            )
            _mail(breaches, since, now, start)
    except IntegrityError:  # another worker sent this period's digest
        return 0
    return len(breaches)


def _line(event: CaseEvent, lang: str) -> str:
    case: Case = event.case
    zh, en = STAGE_TITLES.get(event.data.get("stage", ""), (event.data.get("stage", ""),) * 2)
    due = datetime.fromisoformat(event.data["due_at"]) if event.data.get("due_at") else event.at
    due_text = f"{timezone.localtime(due):%Y-%m-%d %H:%M}"
    if lang == "zh":
        return f"- {case.reference}：{zh}期限 {due_text}，优先级 {case.priority}"
    return f"- {case.reference}: {en} due {due_text}, priority {case.priority}"


def _mail(breaches: list[CaseEvent], since: datetime, now: datetime, start: datetime) -> None:
    shown, rest = breaches[:MAX_LINES], len(breaches) - MAX_LINES
    lines = {lang: "\n".join(_line(e, lang) for e in shown) for lang in ("zh", "en")}
    if rest > 0:
        lines["zh"] += f"\n……另有 {rest} 件"
        lines["en"] += f"\n… and {rest} more"
    period = f"{timezone.localtime(since):%Y-%m-%d %H:%M} – {timezone.localtime(now):%H:%M}"
    audiences = [
        Audience(f"staff-{user.pk}", user.email, user.language, Q(pk=user.pk), "/review/supervisor/")
        for user in User.objects.filter(role=Role.SUPERVISOR, is_active=True).only("pk", "email", "language")
    ]
    notify(
        "escalation_digest",
        f"escalation-digest-{start:%Y%m%dT%H%M}",
        audiences,
        now,
        count=str(len(breaches)),
        period=period,
        lines=lines,
    )
