"""Shared pieces of the merchant portal and the review console: labels, deadline badges, file fields."""

import math
from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from plaint.errors import DomainError

from .common import error_message

OUTCOME_LABELS = {"upheld": _("Upheld"), "partly_upheld": _("Partly upheld"), "not_upheld": _("Not upheld")}
RESPONSE_LABELS = {
    "accept": _("Accept the remedy"),
    "contest": _("Contest the report"),
    "rectify": _("Propose rectification"),
}
RECTIFICATION_KIND_LABELS = {
    "fix_listing": _("Fix the listing's claims"),
    "withdraw_batch": _("Withdraw the batch"),
    "supply_customs_document": _("Supply a customs document"),
    "other": _("Other change"),
}
RECTIFICATION_STATE_LABELS = {
    "ordered": _("Ordered: proof due"),
    "submitted": _("Proof submitted"),
    "accepted": _("Accepted"),
    "rejected": _("Rejected"),
    "missed": _("Missed"),
}
MEASURE_LABELS = {
    "warning": _("Warning"),
    "demotion": _("Demotion in search"),
    "listing_restriction": _("Listings hidden from search, no new listings"),
    "takedown": _("All listings taken down"),
    "suspension": _("Shop suspended"),
    "removal": _("Removal from the platform"),
    "deposit_deduction": _("Deduction from the deposit"),
}
APPEAL_STATE_LABELS = {"pending": _("Pending"), "overturned": _("Overturned"), "rejected": _("Rejected")}
FLAG_REASON_LABELS = {
    "spike": _("Sudden rise in reports"),
    "report_rate": _("Report rate above the threshold"),
    "upheld_rate": _("Upheld rate above the threshold"),
    "illegal_goods": _("Repeated illegal goods"),
    "reporting_ring": _("Possible reporting ring (many new accounts)"),
}
# Error codes of the domain whose message a person should read in their own language.
ERROR_MESSAGES = {
    "no_reporter": _("This case was opened by the platform on its own initiative: it has no reporter."),
    "no_remedy_to_accept": _(
        "This case was opened by the platform on its own initiative: there is no consumer's remedy to accept. "
        "Contest it or propose a rectification."
    ),
    "no_consumer_remedy": _(
        "This case was opened by the platform on its own initiative: there is no consumer to remedy. "
        "Leave the remedy at none; order a rectification if the merchant must change something."
    ),
    "claim_required": _("Claim the case before deciding it; your claim may have lapsed."),
    "claimed_by_other": _("Another reviewer is working on this case. Pick another case or ask a supervisor."),
    "not_reviewable": _("This case is no longer in the review queue."),
    "not_claimed": _("The case is not claimed."),
    "not_claim_holder": _("Only the reviewer holding the claim or a supervisor can release it."),
    "response_deadline_passed": _("The deadline to answer has passed; the case follows the rulebook's silence rule."),
    "appeal_window_closed": _("The window to appeal this penalty has closed."),
    "appeal_exists": _("You already appealed this decision; each party appeals a decision once."),
    "no_penalty": _("This decision put no points on your record; there is no penalty to appeal."),
    "rectification_not_open": _("Proof can no longer be sent for this rectification."),
    "rectification_overdue": _("The rectification's deadline has passed."),
    "rectification_not_submitted": _("Only submitted proof can be accepted or rejected."),
    "remedy_amount_required": _("A partly upheld refund needs the amount to refund."),
    "remedy_amount_too_high": _("The amount is more than the order's amount paid."),
    "remedy_not_available": _("That remedy is not available for this category."),
    "unknown_reason_code": _("Choose reason codes from the list."),
    "supervisor_only": _("Only a supervisor can do this."),
    "reviewer": _("Choose an active reviewer or supervisor."),
    "note_length": _("Write a note of 2 to 4,000 characters."),
    "evidence_kinds": _("Tick the evidence you need from the reporter."),
    "note": _("Tell the reporter what you need and why (at least 4 characters)."),
    "name": _("Give the filter a name."),
    "query": _("Choose some filters first: this is the whole queue."),
    "too_many_filters": _("Keep at most 20 saved filters; delete one first."),
    "saved_filter": _("There is no such saved filter of yours."),
    "cases": _("Choose between 1 and 25 cases to claim."),
}
# Why a case of a bulk claim was not claimed (claim_cases' refusal codes).
CLAIM_REFUSALS = {
    "claimed_by_other": _("another reviewer holds it"),
    "not_reviewable": _("no longer in the review queue"),
    "concurrent_change": _("changed at the same moment; try again"),
}


def domain_error_text(error: DomainError) -> str:
    """Return a domain error as a person reads it: these pages' codes here, the rest by common.error_message."""
    known = ERROR_MESSAGES.get(error.code)
    return str(known) if known else error_message(error)


def remaining(due: datetime | None, now: datetime) -> dict[str, Any] | None:
    """Return how long until `due` (negative when passed) for a deadline badge.

    Days count started days, as the consumer's pages do: 2 days and 23 hours to go reads "3 days left".
    Under a day, the badge counts hours instead (days is 0).
    """
    if due is None:
        return None
    seconds = (due - now).total_seconds()
    hours = abs(int(seconds // 3600)) if seconds >= 0 else abs(int(-seconds // 3600))
    days = math.ceil(seconds / 86400) if seconds >= 86400 else 0
    return {"due": due, "overdue": seconds < 0, "hours": hours, "days": days, "soon": 0 <= seconds < 86400}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once (the browser's multiple attribute)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []
