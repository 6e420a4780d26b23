"""Filing reports and working on cases as a party (reporter side or merchant)."""

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from plaint.accounts.models import Role
from plaint.cases import actions, chain
from plaint.cases.access import get_case
from plaint.cases.inputs import InvestigationIn, ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.cases.queries import LIST_ORDER, cases_for
from plaint.cases.reading import describe_case, describe_filed, file_for
from plaint.cases.transitions import State
from plaint.errors import Forbidden, InvalidInput, NotFound
from plaint.evidence.actions import Upload
from plaint.evidence.downloads import download_for
from plaint.keyset import Order, capped_counts, keyset_page
from plaint.limits import PageNumber, RowId
from plaint.monitoring import actions as monitoring_actions

from ..schemas import ERRORS, CaseOut, FiledOut, Page, ReplyIn, WithdrawIn

router = Router()


def uploads_from(request: HttpRequest) -> list[Upload]:
    """Return the files sent as `evidence`, each paired with the `evidence_kind` sent in the same order."""
    files = request.FILES.getlist("evidence")
    kinds = request.POST.getlist("evidence_kind")
    if len(kinds) == 1 and len(files) > 1:
        kinds = kinds * len(files)
    # A kind with no file at all usually means the files went under another field name than `evidence`.
    if (files or kinds) and len(kinds) != len(files):
        raise InvalidInput(
            "evidence_kind_missing",
            f"{len(files)} file(s) were sent with {len(kinds)} evidence_kind value(s).",
            field="evidence_kind",
            hint="Send one evidence_kind per evidence file, in the same order (or one for all).",
        )
    # Each file as Django received it (past FILE_UPLOAD_MAX_MEMORY_SIZE, a temporary file on disk): never read whole.
    return [Upload(name=f.name or "upload", data=f, kind=kind) for f, kind in zip(files, kinds, strict=True)]


def language(request: HttpRequest) -> str:
    lang = request.GET.get("lang") or getattr(request.auth, "language", None) or "zh-hans"
    return "en" if lang.startswith("en") else "zh-hans"


def _out(request: HttpRequest, case: Case, rejected: list | None = None) -> dict:
    data = describe_case(case, request.auth, language=language(request))
    data["rejected_files"] = rejected or []
    return data


def summary(case: Case, staff: bool) -> dict:
    """Return a case's line in a list; who holds the claim is for platform staff only."""
    return {
        "reference": case.reference,
        "state": case.state,
        "category": case.category,
        "channel": case.channel,
        "priority": case.priority,
        "trusted_flagger": case.trusted_flagger,
        "merchant_id": case.merchant.external_id,
        "merchant_name": case.merchant.name,
        "opened_at": case.opened_at.isoformat(),
        "response_due_at": case.response_due_at.isoformat() if case.response_due_at else None,
        "decision_due_at": case.decision_due_at.isoformat() if case.decision_due_at else None,
        "evidence_due_at": case.evidence_due_at.isoformat() if case.evidence_due_at else None,
        "claimed_by": case.claimed_by.username if staff and case.claimed_by_id else None,
    }


# A page of a case list; the count beside it stops past COUNT_CAP, so neither costs more on a long list.
PAGE_SIZE = 50
COUNT_CAP = 1000
Cursor = Annotated[str | None, Field(max_length=200, description="The previous page's `next`; none for the first")]


def page_of(request: HttpRequest, cases: QuerySet, order: Order, cursor: str | None, page: int) -> dict:
    """Return the page of `cases` after `cursor` in `order`, with the capped count of the whole list."""
    if page != 1:
        raise InvalidInput(
            "page",
            "Pages after the first are read with a cursor.",
            field="page",
            hint="Send the previous page's `next` as `cursor` instead of a page number.",
        )
    found = keyset_page(cases, order, cursor, PAGE_SIZE)
    (count,) = capped_counts([cases], COUNT_CAP)
    return {
        "count": min(count, COUNT_CAP),
        "count_capped": count > COUNT_CAP,
        "next": found.next,
        "results": [summary(c, request.auth.is_platform_staff) for c in found.rows],
    }


@router.post("/reports", response={200: FiledOut, 201: FiledOut, **ERRORS})
def file_report(request: HttpRequest, data: Form[ReportIn], evidence: File[list[UploadedFile]] = None) -> Status:
    """File a report (multipart): fields, plus `evidence` files each with an `evidence_kind`.

    Send an `Idempotency-Key` header to make retries safe: the same key with the same request returns the
    same case (200); the same key with another request (other fields or files) is refused with 422
    `idempotency_key_reused`, naming the case it was first used for.
    Files that cannot be accepted are listed in `rejected_files`; the report is filed without them.
    """
    filed = actions.file_report(
        request.auth, data, uploads_from(request), idempotency_key=request.headers.get("Idempotency-Key")
    )
    evidence = filed.stored if filed.created else list(filed.case.evidence.all())
    body = describe_filed(filed.case, evidence) | {"rejected_files": filed.rejected_files}
    return Status(201 if filed.created else 200, body)


@router.post("/investigations", response={200: FiledOut, 201: FiledOut, **ERRORS})
def open_investigation(
    request: HttpRequest, data: Form[InvestigationIn], evidence: File[list[UploadedFile]] = None
) -> Status:
    """Open an own-initiative investigation of a listing or merchant (supervisors; multipart, as a report).

    No consumer: the merchant answers as for any report and a reviewer decides. The category's required
    evidence must be among the `evidence` files (each with an `evidence_kind`). `flag_id` names the
    monitoring flag it acts on, which is marked acted on and linked to the case. `Idempotency-Key` as
    for reports. docs/investigations.md.
    """
    filed = monitoring_actions.open_investigation(
        request.auth, data, uploads_from(request), idempotency_key=request.headers.get("Idempotency-Key")
    )
    evidence = filed.stored if filed.created else list(filed.case.evidence.all())
    body = describe_filed(filed.case, evidence) | {"rejected_files": filed.rejected_files}
    return Status(201 if filed.created else 200, body)


@router.get("/cases", response={200: Page, **ERRORS})
def list_cases(request: HttpRequest, state: State | None = None, cursor: Cursor = None, page: PageNumber = 1) -> dict:
    """The cases you can see, newest first, 50 a page: follow `next` (as `cursor`) for the following page.

    `count` counts the whole list up to 1000 (`count_capped` then true). `page` is only accepted as 1.
    """
    cases = cases_for(request.auth, state).select_related("claimed_by")
    return page_of(request, cases, LIST_ORDER, cursor, page)


@router.get("/cases/{reference}", response={200: CaseOut, **ERRORS})
def read_case(request: HttpRequest, reference: str) -> dict:
    """Everything you may see about a case: report, evidence, responses, decisions, timeline."""
    return _out(request, get_case(request.auth, reference))


@router.post("/cases/{reference}/evidence", response={200: CaseOut, **ERRORS})
def add_evidence(request: HttpRequest, reference: str, evidence: File[list[UploadedFile]] = None) -> dict:
    """Add `evidence` files (multipart, each with an `evidence_kind`) to an open case."""
    filed = actions.add_evidence(request.auth, get_case(request.auth, reference), uploads_from(request))
    return _out(request, filed.case, filed.rejected_files)


@router.get("/cases/{reference}/evidence/{evidence_id}/file", response={200: None, **ERRORS})
def download_evidence(request: HttpRequest, reference: str, evidence_id: RowId) -> FileResponse:
    """The file: the original for its own side and staff, the copy without location data otherwise."""
    evidence = _evidence(request, reference, evidence_id)
    download = download_for(evidence.pk, evidence.original_name, evidence.content_type)
    return _serve(file_for(request.auth, evidence), download.content_type, download.content_disposition)


@router.get("/cases/{reference}/evidence/{evidence_id}/thumbnail", response={200: None, **ERRORS})
def evidence_thumbnail(request: HttpRequest, reference: str, evidence_id: RowId) -> FileResponse:
    """A photo's thumbnail: a JPEG of at most 320 pixels a side, without metadata (either side may see it)."""
    evidence = _evidence(request, reference, evidence_id)
    if not evidence.thumbnail:
        raise NotFound("no_thumbnail", f"Evidence {evidence_id} has no thumbnail; read its file.")
    return _serve(evidence.thumbnail, "image/jpeg", f'inline; filename="evidence-{evidence.pk}-thumbnail.jpg"')


@router.get("/cases/{reference}/evidence/{evidence_id}/view", response={200: None, **ERRORS})
def evidence_view(request: HttpRequest, reference: str, evidence_id: RowId) -> FileResponse:
    """A HEIC photo as a JPEG browsers show, without metadata (either side may see it); the file stays the original."""
    evidence = _evidence(request, reference, evidence_id)
    if not evidence.view_file:
        raise NotFound("no_view", f"Evidence {evidence_id} is shown as its file; read the file.")
    return _serve(evidence.view_file, "image/jpeg", f'inline; filename="evidence-{evidence.pk}.jpg"')


def _evidence(request: HttpRequest, reference: str, evidence_id: int) -> Any:
    case = get_case(request.auth, reference)
    evidence = case.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise NotFound("evidence_not_found", f"No evidence {evidence_id} on case {reference}.")
    if not evidence.file:
        raise NotFound(
            "evidence_purged",
            f"Evidence {evidence_id}'s file was deleted when its retention period ended (docs/privacy.md); "
            "its SHA-256 stays on the case.",
        )
    return evidence


def _serve(stored: Any, content_type: str, disposition: str) -> FileResponse:
    response = FileResponse(stored.open("rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, a file is a sandboxed document that loads and runs nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # The file is one party's evidence: no shared cache may keep it.
    response["Cache-Control"] = "private"
    return response


@router.post("/cases/{reference}/withdraw", response={200: CaseOut, **ERRORS})
def withdraw(request: HttpRequest, reference: str, data: WithdrawIn) -> dict:
    case = actions.withdraw_report(request.auth, get_case(request.auth, reference), data.reason)
    return _out(request, case)


@router.post("/cases/{reference}/response", response={200: CaseOut, **ERRORS})
def respond(
    request: HttpRequest, reference: str, data: Form[ResponseIn], evidence: File[list[UploadedFile]] = None
) -> dict:
    """The merchant's answer (multipart): kind accept | contest | rectify, explanation, counter-evidence."""
    filed = actions.respond_as_merchant(request.auth, get_case(request.auth, reference), data, uploads_from(request))
    return _out(request, filed.case, filed.rejected_files)


@router.post("/cases/{reference}/reply", response={200: CaseOut, **ERRORS})
def reply(request: HttpRequest, reference: str, data: Form[ReplyIn], evidence: File[list[UploadedFile]] = None) -> dict:
    """The reporter's side answers the merchant's answer and counter-evidence (multipart), once, before the decision.

    `text`, and `evidence` files each with an `evidence_kind`. Open from the merchant's contest or
    proposed rectification for the rulebook's [intake] reply_days (version 3 on) while the case awaits
    its decision. 409 `already_replied` for a second reply; 409 `reply_window_closed` after the days and
    `reply_closed` once the case is decided or closed, each with `details` naming `reply_opened_at` and
    `reply_due_at`; 409 `nothing_to_reply_to` without a contest or rectification to answer (or under a
    rulebook without reply_days); 403 for anyone but the reporter's side.
    """
    case = get_case(request.auth, reference)
    filed = actions.reply_to_merchant(request.auth, case, data.text, uploads_from(request))
    return _out(request, filed.case, filed.rejected_files)


@router.get("/cases/{reference}/timeline", response={200: list[dict], **ERRORS})
def read_timeline(request: HttpRequest, reference: str) -> list[dict]:
    """The case's log as your side may read it, oldest first."""
    return _out(request, get_case(request.auth, reference))["timeline"]


@router.post("/cases/{reference}/nudge", response={200: CaseOut, **ERRORS})
def nudge(request: HttpRequest, reference: str) -> dict:
    """The reporter chases a case (二次反馈): an overdue one gains priority and goes to the supervisors."""
    return _out(request, actions.nudge_case(request.auth, get_case(request.auth, reference)))


class LogProblemOut(Schema):
    position: int
    kind: str
    detail: str


class LogVerifyOut(Schema):
    """Whether the case's log is the chain it was written as (docs/transparency.md)."""

    case: str
    intact: bool
    events: int
    head: dict[str, Any]
    problems: list[LogProblemOut]


@router.get("/cases/{reference}/log/verify", response={200: LogVerifyOut, **ERRORS})
def verify_log(request: HttpRequest, reference: str, head: str | None = None) -> dict:
    """Supervisors and admins: walk the case's hash-chained log and name every event edited, inserted or deleted.

    `head`: a chain head kept from before (the case page, a dossier); the answer says if the chain no
    longer contains it (events up to it rewritten, or the newest removed).
    """
    if request.auth.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("not_a_supervisor", "Only supervisors and admins verify a case's log.")
    case = get_case(request.auth, reference)
    problems = chain.verify(case, head_hash=head)
    current = chain.chain_head(case)
    return {
        "case": case.reference,
        "intact": not problems,
        "events": case.events.count(),
        "head": current,
        "problems": [{"position": p.position, "kind": p.kind, "detail": p.detail} for p in problems],
    }
