"""Who may see which case. Every read of a case by a person goes through here."""

from django.db.models import QuerySet

from plaint.accounts.models import Role, User
from plaint.errors import NotFound

from .models import Case, Visibility

REPORTER = "reporter"
MERCHANT = "merchant"
STAFF = "staff"


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Return the cases `user` may read: their own as consumer, their shop's as merchant, all as staff."""
    cases = Case.objects.all()
    if user.role == Role.CONSUMER:
        return cases.filter(reporter_id=user.consumer_id) if user.consumer_id else cases.none()
    if user.role == Role.MERCHANT:
        return cases.filter(merchant_id=user.merchant_id) if user.merchant_id else cases.none()
    if user.role == Role.TRUSTED_FLAGGER:
        # A trusted flagger's accounts read the organisation's own reports (filed as its reporter row).
        return cases.filter(reporter__trusted_flagger__id=user.flagger_id) if user.flagger_id else cases.none()
    if user.role in (Role.AGENT, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN, Role.MARKETPLACE):
        return cases
    return cases.none()


def get_case(user: User, reference: str, *, for_update: bool = False) -> Case:
    """Return the case `reference` if `user` may see it; raise NotFound otherwise (never say it exists)."""
    case = cases_visible_to(user).filter(reference=reference).select_related("report", "merchant", "reporter").first()
    if case is None:
        raise NotFound("case_not_found", f"No case {reference!r} that you can see.")
    return case


def side_of(user: User) -> str:
    """Return which side of a case the user reads it from: reporter, merchant, or staff."""
    if user.role in (Role.CONSUMER, Role.TRUSTED_FLAGGER):
        return REPORTER
    if user.role == Role.MERCHANT:
        return MERCHANT
    return STAFF


def visible_event_levels(side: str) -> list[str]:
    """Return the event visibilities a side may read."""
    if side == REPORTER:
        return [Visibility.PARTIES, Visibility.REPORTER]
    if side == MERCHANT:
        return [Visibility.PARTIES, Visibility.MERCHANT]
    return [v.value for v in Visibility]
