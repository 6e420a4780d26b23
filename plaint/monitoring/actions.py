"""What supervisors do with monitoring flags: turn one into an own-initiative investigation.

Above the cases app (monitoring reads cases; cases never read monitoring): the investigation is
opened by `plaint.cases.actions.open_investigation`, and the flag is marked acted on, linking the
case, in the same transaction, so a flag is never marked without its case nor a case left unlinked.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.cases import actions
from plaint.cases.actions.common import Filed
from plaint.cases.inputs import InvestigationIn
from plaint.cases.models import Case
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.evidence.actions import Upload

from .models import FlagState, MonitoringFlag


def open_investigation(
    actor: User,
    data: InvestigationIn,
    uploads: list[Upload] = (),
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Filed:
    """Open an own-initiative investigation; with `data.flag_id`, mark that flag acted on and link the case.

    The flag must be open and about the merchant investigated (the merchant itself or one of its
    listings). A retry with the same idempotency key returns the first case even after the flag was marked.
    """
    now = now or timezone.now()
    if data.flag_id is None:
        return actions.open_investigation(actor, data, uploads, idempotency_key=idempotency_key, now=now)
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("not_a_supervisor", "Only supervisors open investigations.")
    with transaction.atomic():
        flag = MonitoringFlag.objects.select_for_update().select_related("merchant").filter(pk=data.flag_id).first()
        if flag is None:
            raise InvalidInput("unknown_flag", f"No monitoring flag {data.flag_id}.", field="flag_id")
        if flag.state != FlagState.OPEN:
            retried = (
                Case.objects.filter(
                    pk=flag.case_id, report__filed_by=actor, report__idempotency_key=idempotency_key
                ).first()
                if idempotency_key and flag.case_id
                else None
            )
            if retried is not None:
                return Filed(retried, created=False)
            raise Refused(
                "flag_not_open",
                f"Flag {flag.pk} is {flag.state}"
                + (f": investigation {flag.case.reference} was opened from it." if flag.case_id else "."),
                hint="Open the investigation without the flag, or act on an open flag.",
                details={"state": flag.state, "case": flag.case.reference if flag.case_id else None},
            )
        filed = actions.open_investigation(actor, data, uploads, idempotency_key=idempotency_key, now=now)
        if filed.case.merchant_id != flag.merchant_id:
            raise InvalidInput(
                "flag_other_merchant",
                f"Flag {flag.pk} is about merchant {flag.merchant.external_id}; the investigation is about another.",
                field="target_id",
                hint="Investigate that merchant or one of its listings.",
            )
        MonitoringFlag.objects.filter(pk=flag.pk).update(
            state=FlagState.ACTED,
            case=filed.case,
            closed_by=actor,
            closed_at=now,
            note=f"Investigation {filed.case.reference} opened.",
        )
    return filed
