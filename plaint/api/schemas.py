"""Response shapes of the API (the OpenAPI document is generated from these)."""

from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from plaint.cases.models import Channel
from plaint.cases.transitions import State
from plaint.rulebook import codes

# Category codes are the rulebook's; states and channels are enumerations of their own (State, Channel).
CategoryCode = Annotated[str, Field(json_schema_extra=codes.any_version("categories"))]


class Upserted(Schema):
    id: str
    created: bool


class Error(Schema):
    """Every error answer of the API (docs/api.md lists the codes)."""

    code: str = Field(description="Machine-readable, e.g. invalid_input, nul_character, not_found")
    message: str = Field(description="What is wrong, in words")
    field: str | None = Field(None, description="The input at fault, dotted for nested fields")
    hint: str | None = Field(None, description="What to do about it")
    details: dict[str, Any] | None = None
    errors: list[dict[str, Any]] | None = Field(None, description="Every invalid field, for invalid_input")


# The statuses every operation may answer besides its own success: 400 the request cannot be read (a
# Host header this server does not serve, a body that cannot be parsed as its Content-Type says), 401 no
# valid token or session, 403 not for your role, 404 nothing you can see there, 409 refused by the case's
# state, 413 body too large, 422 invalid input, 429 too many requests.
ERRORS: dict[int, type[Error]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    413: Error,
    422: Error,
    429: Error,
}


class RejectedFile(Schema):
    file: str
    code: str
    message: str


class CaseOut(Schema):
    reference: str
    state: State
    category: CategoryCode
    category_title: dict[str, str] | None
    channel: Channel
    priority: int
    # Filed by a trusted flagger (DSA art. 22): first in the queue; every side reads it.
    trusted_flagger: bool = False
    rulebook_version: str
    opened_at: str
    updated_at: str
    closed_at: str | None
    target: dict[str, Any]
    report: dict[str, Any]
    # None on an own-initiative investigation (own_initiative true): the platform opened it, no consumer reported.
    reporter: dict[str, Any] | None
    own_initiative: bool = False
    admissibility: dict[str, Any]
    deadlines: dict[str, Any]
    # The running service-level clocks this side may see (cases/reading.py clock_items).
    clocks: list[dict[str, Any]] = []
    order: dict[str, Any] | None
    evidence: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    # The reporter's reply to the merchant's answer (the second round); None where the rulebook gives none.
    reply: dict[str, Any] | None = None
    # Where the case is and what happens next (cases/progress.py): stages, the current one, its deadline.
    progress: dict[str, Any] | None = None
    decisions: list[dict[str, Any]]
    # A report of several problems of one order (rulebook [problems], version 4 on): per problem its
    # category, `main`, intake's `admissibility`, the merchant's `answer`, the `outcome`, `points` and
    # `absorbed_by`; [] for a report of one category (docs/api.md).
    problems: list[dict[str, Any]] = []
    # The negotiation thread (协商): messages, offers, the extension bound (docs/negotiation.md).
    thread: dict[str, Any] | None = None
    timeline: list[dict[str, Any]]
    allowed_actions: list[str]
    # An appeal of the case waits for its answer or its decision; every appeal of the case.
    under_appeal: bool = False
    appeals: list[dict[str, Any]] = []
    rectifications: list[dict[str, Any]] = []
    # Each remedy instruction and what became of it: instructed, executed (paid) or failed.
    remedies: list[dict[str, Any]] = []
    # The reporter's window to reopen a resolved case whose money never arrived; the consumer's rating.
    reopen_window: dict[str, Any] | None = None
    rating: dict[str, Any] | None = None
    claim: dict[str, Any] | None = None
    related: dict[str, Any] | None = None
    # Platform staff only: the reporter's record (cases/reading.py reporter_record). Each evidence item
    # then carries its forensics `flags` too: [{code, reason, details}] (docs/evidence.md, Forensics).
    reporter_record: dict[str, int] | None = None
    # Platform staff only: one of many new accounts reporting this merchant in a short time ([rings]).
    ring_flagged: bool | None = None
    # Platform staff only: the priority's terms (cases/priority.py explained: total, terms, raised) and
    # the case's cluster (id, size, escalation, measure; GET /api/clusters/{id} for its members).
    priority_terms: dict[str, Any] | None = None
    cluster: dict[str, Any] | None = None
    # Platform staff only: the case log's chain head, {"sequence": n, "hash": "<sha256>"} (docs/transparency.md).
    log_head: dict[str, Any] | None = None
    rejected_files: list[RejectedFile] = []


class ReplyIn(Schema):
    """The reporter's reply to the merchant's answer: words (required), files alongside as `evidence`."""

    text: str


class FiledOut(Schema):
    """The answer to filing a report; GET `url` for everything about the case."""

    reference: str
    state: State
    category: CategoryCode
    channel: Channel
    trusted_flagger: bool = False
    rulebook_version: str
    opened_at: str
    admissibility: dict[str, Any]
    deadlines: dict[str, Any]
    evidence: list[dict[str, Any]]
    url: str
    rejected_files: list[RejectedFile] = []


class CaseSummary(Schema):
    reference: str
    state: State
    category: CategoryCode
    channel: Channel
    priority: int
    trusted_flagger: bool = False
    merchant_id: str
    merchant_name: str
    opened_at: str
    response_due_at: str | None
    decision_due_at: str | None
    evidence_due_at: str | None
    claimed_by: str | None = None


class Page(Schema):
    """A page of cases read with a cursor: send `next` back as `cursor` for the following page."""

    count: int = Field(description="Cases in the whole list, counted up to `count_capped`'s cap")
    count_capped: bool = Field(description="True when the list has more cases than `count` (count stopped there)")
    next: str | None = Field(description="The cursor of the following page; null on the last page")
    results: list[CaseSummary]


class WithdrawIn(Schema):
    reason: str = ""
