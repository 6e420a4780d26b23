"""Rectification orders: the merchant sends proof, a reviewer accepts or rejects it."""

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, UploadedFile

from plaint.cases.access import cases_visible_to
from plaint.cases.actions import rectification
from plaint.enforcement.models import Rectification, RectificationState
from plaint.errors import NotFound
from plaint.limits import RowId

from ..schemas import ERRORS
from .cases import uploads_from

router = Router()


class RectificationOut(Schema):
    id: int
    case: str
    kind: str
    instructions: str
    due_at: str
    state: RectificationState
    proof: str
    review_reasons: str


class ProofIn(Schema):
    proof: str


class ReviewIn(Schema):
    accept: bool
    reasons: str


def _get(request: HttpRequest, rectification_id: int) -> Rectification:
    rect = (
        Rectification.objects.select_related("case__merchant", "decision")
        .filter(pk=rectification_id, case__in=cases_visible_to(request.auth))
        .first()
    )
    if rect is None:
        raise NotFound("rectification_not_found", f"No rectification {rectification_id} that you can see.")
    return rect


def out(rect: Rectification) -> dict:
    return {
        "id": rect.pk,
        "case": rect.case.reference,
        "kind": rect.kind,
        "instructions": rect.instructions,
        "due_at": rect.due_at.isoformat(),
        "state": rect.state,
        "proof": rect.proof,
        "review_reasons": rect.review_reasons,
    }


@router.post("/{rectification_id}/proof", response={200: RectificationOut, **ERRORS})
def proof(
    request: HttpRequest, rectification_id: RowId, data: Form[ProofIn], evidence: File[list[UploadedFile]] = None
) -> dict:
    """The merchant's proof (multipart): `proof` text and `evidence` files each with an `evidence_kind`."""
    rect = _get(request, rectification_id)
    return out(rectification.submit_proof(request.auth, rect, data.proof, uploads_from(request)))


@router.post("/{rectification_id}/review", response={200: RectificationOut, **ERRORS})
def review(request: HttpRequest, rectification_id: RowId, data: ReviewIn) -> dict:
    """A reviewer accepts or rejects the proof with reasons; a rejection has the rulebook's consequence."""
    rect = _get(request, rectification_id)
    return out(rectification.review(request.auth, rect, accept=data.accept, reasons=data.reasons))
