"""A possible reporting ring ([rings]): many new accounts reporting one merchant within a short time."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from plaint.monitoring.models import MonitoringFlag
from plaint.rulebook.schema import Rulebook

RING_REASON = "reporting_ring"


def check_ring(case: object, rulebook: Rulebook, now: datetime) -> list[str]:
    """Flag new accounts' cases against the case's merchant once there are enough; return the references flagged.

    New accounts are consumers Plaint first heard of less than account_age_days ago; a trusted flagger
    is never one. The cases of the window (window_hours before `now`) by new accounts are read on the
    case_merchant index; when min_accounts distinct reporters are among them, every one of those cases
    gets `ring_flagged` and the supervisors an open monitoring flag "reporting_ring" on the merchant
    (one open flag per merchant, its figures refreshed as more cases join). Runs inside the filing's
    transaction. Versions without [rings] flag nothing.
    """
    from plaint.cases.models import Case

    rings = rulebook.rings
    if rings is None or getattr(case, "trusted_flagger", False):
        return []
    young = now - timedelta(days=rings.account_age_days)
    if case.reporter.created_at <= young:
        return []
    recent = Case.objects.filter(
        merchant_id=case.merchant_id,
        opened_at__gt=now - timedelta(hours=rings.window_hours),
        reporter__created_at__gt=young,
        trusted_flagger=False,
    ).values_list("id", "reference", "reporter_id", "ring_flagged")
    rows = list(recent[:1000])
    if len({reporter for _id, _ref, reporter, _f in rows}) < rings.min_accounts:
        return []
    fresh = [pk for pk, _ref, _r, flagged in rows if not flagged]
    Case.objects.filter(pk__in=fresh).update(ring_flagged=True)
    figures = {
        "accounts": len({reporter for _id, _ref, reporter, _f in rows}),
        "cases": sorted(ref for _id, ref, _r, _f in rows),
        "window_hours": rings.window_hours,
        "account_age_days": rings.account_age_days,
        "rulebook_version": rulebook.version,
    }
    try:
        with transaction.atomic():
            flag, created = MonitoringFlag.objects.get_or_create(
                merchant_id=case.merchant_id,
                reason=RING_REASON,
                state="open",
                defaults={"figures": figures, "raised_at": now},
            )
            if not created and fresh:
                flag.figures = figures
                flag.save(update_fields=["figures"])
    except IntegrityError:  # another filing raised it at the same moment
        pass
    return [ref for pk, ref, _r, _f in rows if pk in fresh]
