"""Response shapes of the API (the OpenAPI document is generated from these)."""

from typing import Any

from ninja import Schema


class Upserted(Schema):
    id: str
    created: bool


class Error(Schema):
    code: str
    message: str
    field: str | None = None
    hint: str | None = None


class RejectedFile(Schema):
    file: str
    code: str
    message: str


class CaseOut(Schema):
    reference: str
    state: str
    category: str
    category_title: dict[str, str] | None
    channel: str
    priority: int
    rulebook_version: str
    opened_at: str
    updated_at: str
    closed_at: str | None
    target: dict[str, Any]
    report: dict[str, Any]
    reporter: dict[str, Any]
    admissibility: dict[str, Any]
    deadlines: dict[str, Any]
    # The running service-level clocks this side may see (cases/reading.py clock_items).
    clocks: list[dict[str, Any]] = []
    order: dict[str, Any] | None
    evidence: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    allowed_actions: list[str]
    # An appeal of the case waits for its answer or its decision; every appeal of the case.
    under_appeal: bool = False
    appeals: list[dict[str, Any]] = []
    rectifications: list[dict[str, Any]] = []
    claim: dict[str, Any] | None = None
    related: dict[str, Any] | None = None
    rejected_files: list[RejectedFile] = []


class FiledOut(Schema):
    """The answer to filing a report; GET `url` for everything about the case."""

    reference: str
    state: str
    category: str
    channel: str
    rulebook_version: str
    opened_at: str
    admissibility: dict[str, Any]
    deadlines: dict[str, Any]
    evidence: list[dict[str, Any]]
    url: str
    rejected_files: list[RejectedFile] = []


class CaseSummary(Schema):
    reference: str
    state: str
    category: str
    channel: str
    priority: int
    merchant_id: str
    merchant_name: str
    opened_at: str
    response_due_at: str | None
    decision_due_at: str | None
    evidence_due_at: str | None
    claimed_by: str | None = None


class Page(Schema):
    count: int
    page: int
    pages: int
    results: list[CaseSummary]


class WithdrawIn(Schema):
    reason: str = ""
