"""Everything a person (or Plaint itself) does to a case, one module per stage. Each function is one transaction.

Each action checks who may act, asks `transitions` whether the change is legal, writes the change
guarded by the case's version (so two people acting at once cannot both succeed), appends the event,
and writes outbox rows for what must leave, all before it commits.

    common             the one place a case changes (_apply, _change, _record), its webhook, who may act
    filing             file_report: intake, admissibility, one open case per matter
    evidence           add_evidence, request_more_evidence; the evidence deadline
    merchant_response  respond_as_merchant; the merchant's silence (a clock's breach)
    review             claim_case, claim_next, release_case, decide_case; lapsed claims; internal notes,
                       a supervisor's reassignment and bulk claim, saved queue filters
    decisions          what every decision does, a reviewer's or an automated one
    reporter           withdraw_report, nudge_case
    reply              reply_to_merchant: the reporter answers the merchant's answer and evidence, once
    escalation         a breached clock raises the priority or goes to the supervisors
    rectification      rectification orders (整改): ordered, proven, checked, missed
    appeals            either party's appeal: filed, answered, decided (the penalty appeal is one kind)
    remedies           the marketplace confirms a remedy's execution or its failure; overdue remedies;
                       reopening a resolved case whose money never arrived; the consumer's rating
    negotiation        messages and offers between the parties (协商), a reviewer's questions
    upload_link        the one-time link an agent sends a caller to add evidence

The stages register what the clocks' breaches and deadlines do (`clocks.on_breach`,
`clocks.on_deadline`) when imported; plaint/cases/apps.py imports this package at start-up.
Callers use the names below: `from plaint.cases import actions; actions.file_report(...)`.
"""

from ..notices import tell
from . import appeals, rectification, remedies
from .appeals import (
    answer_appeal,
    appeal_penalty,
    decide_appeal,
    decide_penalty_appeal,
    file_appeal,
    penalty_appeal_closes,
)
from .common import Filed
from .common import _change as _change  # for the concurrency test of the version guard
from .escalation import escalate
from .evidence import add_evidence, close_for_missing_evidence, request_more_evidence, return_to_review
from .filing import file_report, matter_of, open_case_of
from .investigation import open_investigation
from .merchant_response import handle_merchant_silence, respond_as_merchant
from .negotiation import accept_offer, decline_offer, make_offer, post_message, withdraw_offer
from .remedies import confirm_remedy_executed, rate_case, reopen_unpaid, report_remedy_failed
from .reply import reply_to_merchant
from .reporter import nudge_case, withdraw_report
from .review import (
    add_internal_note,
    claim_case,
    claim_cases,
    claim_next,
    decide_case,
    delete_queue_filter,
    internal_notes,
    lapse_claim,
    reassign_case,
    release_case,
    save_queue_filter,
)
from .upload_link import add_evidence_by_link, find_upload_link, send_upload_link

__all__ = [
    "open_investigation",
    "add_internal_note",
    "claim_cases",
    "delete_queue_filter",
    "internal_notes",
    "reassign_case",
    "save_queue_filter",
    "Filed",
    "accept_offer",
    "decline_offer",
    "make_offer",
    "post_message",
    "withdraw_offer",
    "add_evidence_by_link",
    "find_upload_link",
    "send_upload_link",
    "add_evidence",
    "answer_appeal",
    "appeal_penalty",
    "appeals",
    "claim_case",
    "confirm_remedy_executed",
    "claim_next",
    "decide_appeal",
    "close_for_missing_evidence",
    "decide_penalty_appeal",
    "decide_case",
    "escalate",
    "file_appeal",
    "file_report",
    "handle_merchant_silence",
    "lapse_claim",
    "matter_of",
    "nudge_case",
    "open_case_of",
    "penalty_appeal_closes",
    "rate_case",
    "rectification",
    "remedies",
    "reopen_unpaid",
    "report_remedy_failed",
    "release_case",
    "reply_to_merchant",
    "request_more_evidence",
    "respond_as_merchant",
    "return_to_review",
    "tell",
    "withdraw_report",
]
