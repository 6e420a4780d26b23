"""Telling a case's parties of a step: an e-mail and a portal notification each, in their language.

Below the actions and the clocks (both tell people things), so neither has to import the other.
"""

from datetime import datetime

from django.db.models import Q

from plaint.accounts.models import Role, User
from plaint.notifications.notify import Audience, notify
from plaint.rulebook import loader

from .addresses import case_address
from .models import Case


def tell(
    case: Case,
    event: str,
    now: datetime,
    key: str,
    *,
    reporter: bool,
    merchant: bool,
    supervisors: bool = False,
    supervisor_mail: bool = True,
    **fields: str | dict[str, str],
) -> None:
    """Tell the parties of a step, by e-mail and in the portal, each on their own page of the case.

    The reporter gets their language, the merchant Chinese and English by e-mail (its staff their
    account's language in the portal), each supervisor their account's language. Without
    `supervisor_mail` the supervisors are told in the portal only (their e-mail is a digest).
    """
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    base = {"ref": case.reference, "category": {"zh": category.title.zh, "en": category.title.en}} | fields
    ref = case.reference
    audiences = []
    # An own-initiative investigation has no reporter to tell (docs/investigations.md).
    if reporter and case.reporter_id is not None:
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
                Audience(
                    f"staff-{user.pk}",
                    user.email if supervisor_mail else "",
                    user.language,
                    Q(pk=user.pk),
                    f"/review/cases/{ref}/",
                )
            )
    # Each party's answers go to the case's address signed for that party and are added to the case
    # (plaint/inbound/); supervisors work in the console.
    notify(event, key, audiences, now, case_reference=ref, **base)
