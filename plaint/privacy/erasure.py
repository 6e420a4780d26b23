"""A consumer's erasure request (PIPL art. 47), honoured within the law's limits; the answer says what was kept and why.

Answered at once, inside the rulebook's erasure_answer_days: each case whose data may go is purged
as the retention job would purge it; a case still open, under appeal, under a legal hold, or closed
less than [retention] case_years_after_closing ago is kept (PIPL art. 47's exception for a period
the law sets: E-Commerce Law art. 31; the parties' rights and legal claims), stored and no longer
used for anything else. The account is closed either way: its e-mail and names erased, its tokens
revoked, its notifications deleted. The consumer's name, phone and e-mail go with the last case
purged; while a case is kept they stay with it.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from plaint.accounts.models import ApiToken, User
from plaint.cases.models import Case
from plaint.rulebook import loader

from . import retention
from .export import consumer_of
from .models import ErasureRequest, Purge, PurgeScope

KEPT_REASONS = ("open", "appeal", "hold", "retention")


def request_erasure(user: User, now: datetime | None = None) -> ErasureRequest:
    """Erase what may be erased of the consumer `user` speaks for; return the request with its answer.

    Forbidden for any account but a consumer's own.
    """
    now = now or timezone.now()
    consumer = consumer_of(user)
    rulebook = loader.in_force(now)
    days = rulebook.retention.erasure_answer_days if rulebook.retention else 0
    with transaction.atomic():
        request = ErasureRequest.objects.create(
            consumer=consumer,
            requested_by=user,
            requested_at=now,
            due_at=now + timedelta(days=days),
            language=user.language or consumer.language,
        )
        rule = f"erasure:{request.pk}"
        erased: list[dict[str, Any]] = []
        kept: list[dict[str, Any]] = []
        for case in Case.objects.filter(reporter=consumer).order_by("opened_at", "pk"):
            if Purge.objects.filter(case=case, scope=PurgeScope.CASE).exists():
                continue
            why = retention.why_kept(case, rulebook, now)
            if why is not None:
                kept.append({"case": case.reference, "reason": why[0], "until": why[1].isoformat() if why[1] else None})
                continue
            retention.purge_evidence(case, rule, now)
            retention.purge_case(case, rule, now)
            erased.append({"case": case.reference})
        notifications = user.notifications.all().delete()[0]
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        User.objects.filter(pk=user.pk).update(email="", first_name="", last_name="", is_active=False)
        user.set_unusable_password()
        User.objects.filter(pk=user.pk).update(password=user.password)
        consumer.refresh_from_db()
        profile_erased = not kept
        if profile_erased and not consumer.name.startswith("已清除/purged-"):
            retention.pseudonymise_consumer(consumer, rule, now)
        request.answer = {
            "erased": {"account": True, "notifications": notifications, "profile": profile_erased, "cases": erased},
            "kept": kept,
        }
        request.answered_at = now
        request.save(update_fields=["answer", "answered_at"])
    return request


def answer_text(request: ErasureRequest, language: str | None = None) -> list[str]:
    """Return the answer as sentences in `language` (the request's by default): what was erased, what kept and why."""
    answer = request.answer
    erased = answer.get("erased", {})
    with translation.override(language or request.language):
        lines = [
            _("Your account is closed: its e-mail address and name are erased and you can no longer sign in."),
            _("Notifications deleted: %(count)s.") % {"count": erased.get("notifications", 0)},
        ]
        for item in erased.get("cases", []):
            lines.append(
                _("Case %(case)s: what you wrote and your evidence files are erased.") % {"case": item["case"]}
            )
        reasons = {
            "open": _("it is still being handled; the merchant and the platform need it to finish it"),
            "appeal": _("an appeal of it is not yet decided"),
            "hold": _("the platform must keep it for a legal proceeding or a regulator (a legal hold)"),
            "retention": _(
                "the E-Commerce Law (art. 31) requires transaction records to be kept three years after the case closed"
            ),
        }
        for item in answer.get("kept", []):
            until = item.get("until")
            if until:
                when = timezone.localtime(datetime.fromisoformat(until)).date().isoformat()
                lines.append(
                    _("Case %(case)s is kept until %(until)s, because %(why)s. Until then it is only stored.")
                    % {"case": item["case"], "until": when, "why": reasons.get(item["reason"], item["reason"])}
                )
            else:
                lines.append(
                    _("Case %(case)s is kept, because %(why)s. It is erased when that ends.")
                    % {"case": item["case"], "why": reasons.get(item["reason"], item["reason"])}
                )
        if erased.get("profile"):
            lines.append(_("Your name, phone number and e-mail address are erased."))
        else:
            lines.append(
                _(
                    "Your name, phone number and e-mail address are kept with the cases above "
                    "and erased with the last of them."
                )
            )
    return lines
