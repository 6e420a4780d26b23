"""A case's dossier (PDF, signed ZIP) and complaint text for its parties and staff; the public key; verification."""

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Router, Schema, UploadedFile

from plaint.dossier import build, signing
from plaint.dossier.complaint import complaint_text
from plaint.dossier.verify import verify

from ..schemas import ERRORS
from .cases import language

router = Router()
PDF_200 = {
    200: {"description": "PDF", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
}
ZIP_200 = {
    200: {"description": "ZIP", "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}
}


def _private(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # One party's case: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/cases/{reference}/dossier.pdf", response=ERRORS, openapi_extra={"responses": PDF_200})
def dossier_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    """The case's dossier as a PDF in `lang` (zh-hans or en): the consumer's and staff's whole, the merchant's masked.

    Other readers get 404, as for the case itself.
    """
    case = build.case_for_dossier(request.auth, reference)
    pdf = build.render_pdf(case, request.auth, language(request))
    return _private(HttpResponse(pdf, content_type="application/pdf"), build.download_name(case, request.auth, "pdf"))


@router.get("/cases/{reference}/dossier.zip", response=ERRORS, openapi_extra={"responses": ZIP_200})
def dossier_zip(request: HttpRequest, reference: str) -> HttpResponse:
    """The signed dossier: the PDF, the evidence files you may download, manifest.json and signature.json."""
    case = build.case_for_dossier(request.auth, reference)
    archive = build.build_zip(case, request.auth, language(request))
    response = FileResponse(archive, content_type="application/zip")
    return _private(response, build.download_name(case, request.auth, "zip"))


class ComplaintOut(Schema):
    case: str
    language: str
    text: str


@router.get("/cases/{reference}/complaint-text", response={200: ComplaintOut, **ERRORS})
def read_complaint_text(request: HttpRequest, reference: str) -> dict:
    """The complaint in the shape 12315 asks for (complainant, respondent, facts, demands, evidence), to paste.

    `lang`: zh-hans (for 12315) or en. The merchant's copy names the consumer masked, without contact details.
    """
    case = build.case_for_dossier(request.auth, reference)
    lang = language(request)
    return {"case": case.reference, "language": lang, "text": complaint_text(case, request.auth, lang)}


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    public_key: str
    public_key_pem: str


@router.get("/dossier/public-key", response={200: PublicKeyOut, **ERRORS}, auth=None)
def public_key(request: HttpRequest) -> dict:
    """Plaint's public key for dossiers (Ed25519): raw 32 bytes in hex, and PEM. No sign-in."""
    return {
        "algorithm": signing.ALGORITHM,
        "key_id": signing.key_id(),
        "public_key": signing.public_key_bytes().hex(),
        "public_key_pem": signing.public_key_pem(),
    }


class ProblemOut(Schema):
    path: str
    kind: str
    detail: str


class VerdictOut(Schema):
    intact: bool
    signature_valid: bool
    case: str | None
    copy_for: str | None
    created_at: str | None
    log_head: dict[str, Any] | None
    files: int
    problems: list[ProblemOut]


@router.post("/dossier/verify", response={200: VerdictOut, **ERRORS}, auth=None)
def verify_dossier(request: HttpRequest, file: File[UploadedFile]) -> dict:
    """Check a dossier ZIP (multipart `file`): Plaint's signature and every file. No sign-in.

    422 `not_a_dossier` when the file is not a ZIP with a manifest and a signature.
    """
    return verify(file).as_dict()
