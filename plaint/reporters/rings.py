"""A possible reporting ring ([rings]): many new accounts reporting one merchant within a short time."""

from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction

from plaint.db import select_rows
from plaint.monitoring.models import MonitoringFlag
from plaint.rulebook.schema import Rulebook

RING_REASON = "reporting_ring"
# At most this many of the window's cases are read to count a ring's accounts (and listed on its flag).
RING_CASES = 1000


def check_ring(case: object, rulebook: Rulebook, now: datetime) -> list[str]:
    """Flag new accounts' cases against the case's merchant once there are enough; return the references flagged.

    New accounts are consumers Plaint first heard of less than account_age_days ago; a trusted flagger
    is never one. The new accounts among the window's cases (window_hours before `now`, at most
    RING_CASES of them, on the case_merchant index) are counted in the database; when there are
    min_accounts of them, every one of those cases not yet flagged gets `ring_flagged` and the
    supervisors an open monitoring flag "reporting_ring" on the merchant (one open flag per merchant:
    its account count refreshed and the newly flagged cases added to its list while it is open). Runs
    inside the filing's transaction, at every filing by a new account, so the usual answer (no ring)
    costs one counting statement. Versions without [rings] flag nothing.
    """
    from plaint.cases.models import Case
    from plaint.marketplace.models import Consumer

    rings = rulebook.rings
    if rings is None or getattr(case, "trusted_flagger", False):
        return []
    young = now - timedelta(days=rings.account_age_days)
    if case.reporter.created_at <= young:
        return []
    at = connection.ops.adapt_datetimefield_value
    window = (
        f"FROM {Case._meta.db_table} c JOIN {Consumer._meta.db_table} r ON r.id = c.reporter_id "
        "WHERE c.merchant_id = %s AND c.opened_at > %s AND r.created_at > %s AND c.trusted_flagger = %s"
    )
    params = [case.merchant_id, at(now - timedelta(hours=rings.window_hours)), at(young), False]
    counting = f"SELECT COUNT(DISTINCT w.reporter_id) FROM (SELECT c.reporter_id {window} LIMIT {RING_CASES}) w"
    ((accounts,),) = select_rows(counting, params)
    if accounts < rings.min_accounts:
        return []
    unflagged = f"SELECT c.id, c.reference {window} AND c.ring_flagged = %s LIMIT {RING_CASES}"
    fresh = select_rows(unflagged, [*params, False])
    if not fresh:
        return []
    Case.objects.filter(pk__in=[pk for pk, _ref in fresh]).update(ring_flagged=True)
    references = [ref for _pk, ref in fresh]
    figures = {
        "accounts": accounts,
        "cases": sorted(references),
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
            if not created:
                # The open flag lists every case flagged while it is open, the newest added.
                listed = list(flag.figures.get("cases", []))
                added = [ref for ref in sorted(references) if ref not in set(listed)]
                flag.figures = figures | {"cases": (listed + added)[-RING_CASES:]}
                flag.save(update_fields=["figures"])
    except IntegrityError:  # another filing raised it at the same moment
        pass
    return references
