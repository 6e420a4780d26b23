"""The dossier of a case for 12315, a consumer association or a court: a PDF, and a signed ZIP around it.

Each reader gets the copy their side may read (plaint/cases/reading.py): the consumer and staff the
whole case; the merchant the case without the consumer's name, phone or e-mail address, the
reporter's photos as the copies without location data. The ZIP holds the PDF, the evidence files
that reader may download, `manifest.json` (every file's SHA-256, the case, its log's chain head) and
`signature.json` (Plaint's Ed25519 signature of the manifest's SHA-256). docs/transparency.md.
"""

import base64
import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from PIL import Image, ImageFile, ImageOps

from plaint.accounts.models import Role, User
from plaint.cases import chain
from plaint.cases.access import MERCHANT, REPORTER, get_case, side_of
from plaint.cases.models import Case
from plaint.cases.reading import describe_case, file_for
from plaint.errors import NotFound
from plaint.evidence.downloads import file_name
from plaint.evidence.inspection import IMAGE_TYPES
from plaint.evidence.models import Evidence
from plaint.rulebook import loader

from . import signing

FORMAT = "plaint-dossier/1"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
PDF = "dossier.pdf"
# Thumbnails, not originals, go into the PDF: it stays small and quick to make with many photos.
THUMBNAIL_PIXELS = (240, 240)
CHUNK = 1024 * 1024


def case_for_dossier(viewer: User, reference: str) -> Case:
    """Return the case if `viewer` may take its dossier: a party to it or platform staff; NotFound otherwise.

    The marketplace's system client reads cases without the people in them, so it gets no dossier.
    """
    if viewer.role not in (Role.CONSUMER, Role.MERCHANT) and not viewer.is_platform_staff:
        raise NotFound("case_not_found", f"No case {reference!r} that you can see.")
    return get_case(viewer, reference)


def copy_for(viewer: User) -> str:
    """Return whose copy the viewer takes: "reporter", "merchant" or "staff"."""
    return side_of(viewer)


def language_of(language: str) -> str:
    return "en" if language.startswith("en") else "zh-hans"


@dataclass(frozen=True)
class Piece:
    """One evidence file as it goes into the reader's dossier."""

    evidence: Evidence
    path: str
    copy: str  # "original", or "without_location": the other party's photo as the reader may download it


def pieces(case: Case, viewer: User) -> list[Piece]:
    """Return the case's evidence files the viewer may download, each with its path inside the ZIP."""
    found = []
    for number, evidence in enumerate(case.evidence.all(), start=1):
        if not evidence.file:
            continue  # deleted when its retention period ended (plaint/privacy/retention.py)
        stored = file_for(viewer, evidence)
        name = file_name(evidence.original_name, evidence.content_type, f"evidence-{evidence.pk}")
        copy = "original" if stored.name == evidence.file.name else "without_location"
        found.append(Piece(evidence, f"evidence/{number:02d}-{name}", copy))
    return found


def thumbnail(piece: Piece, viewer: User) -> str | None:
    """Return a small JPEG of an image piece as a data: URI for the PDF, or None for other files."""
    if piece.evidence.content_type not in IMAGE_TYPES:
        return None
    with file_for(viewer, piece.evidence).open("rb") as stored, Image.open(stored) as image:
        small = ImageOps.exif_transpose(image)
        small.thumbnail(THUMBNAIL_PIXELS)
        buffer = io.BytesIO()
        small.convert("RGB").save(buffer, "JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def context(case: Case, viewer: User, language: str, now: datetime) -> dict[str, Any]:
    """Return what the PDF shows: the case as the viewer may read it, the parties, each piece of evidence."""
    data = describe_case(case, viewer, language=language, now=now)
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    merchant = case.merchant
    side = side_of(viewer)
    evidence = []
    listed = {e["id"]: e for e in data["evidence"]}
    for piece in pieces(case, viewer):
        item = listed[piece.evidence.pk]
        evidence.append(
            item
            | {
                "path": piece.path,
                "copy": piece.copy,
                "kind_title": rulebook.evidence_kinds.get(item["kind"]),
                "thumbnail": thumbnail(piece, viewer),
            }
        )
    return {
        "case": case,
        "data": data,
        "side": side,
        "for_merchant": side == MERCHANT,
        "category": category,
        "remedy_title": rulebook.remedies.get(data["report"]["remedy_wanted"]),
        "merchant": merchant,
        "evidence": evidence,
        "log_head": chain.chain_head(case),
        "created_at": now,
        "key_id": signing.key_id(),
    }


def _weasyprint() -> tuple[Any, Any]:
    """Return WeasyPrint's HTML and URLFetcher, imported on first use (it loads pango, which nothing else needs).

    Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES; evidence inspection relies on
    Pillow refusing a cut image (plaint/evidence/inspection.py), so the flag is put back as it was.
    """
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    return HTML, URLFetcher


def render_html(case: Case, viewer: User, language: str, now: datetime | None = None) -> str:
    """Return the HTML the PDF is made from, in `language`, as the viewer may read the case."""
    now = now or timezone.now()
    language = language_of(language)
    with translation.override(language):
        return render_to_string("dossier/dossier.html", context(case, viewer, language, now))


def render_pdf(case: Case, viewer: User, language: str, now: datetime | None = None) -> bytes:
    """Return the dossier's PDF in `language` ("zh-hans" or "en") as the viewer may read the case."""
    HTML, URLFetcher = _weasyprint()
    html = render_html(case, viewer, language, now)
    # Everything the PDF shows is in its HTML (thumbnails as data: URIs): WeasyPrint fetches no file and no
    # address, so no text in a case can make the server read one.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def _hash_into(archive: zipfile.ZipFile, path: str, source: IO[bytes]) -> dict[str, Any]:
    digest, size = hashlib.sha256(), 0
    with archive.open(path, "w") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"path": path, "sha256": digest.hexdigest(), "size": size}


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """Return the manifest as it is stored and signed: sorted keys, UTF-8, indented for people to read."""
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2).encode()


def build_zip(case: Case, viewer: User, language: str, now: datetime | None = None) -> IO[bytes]:
    """Return the dossier's ZIP (a file positioned at its start): the PDF, the evidence, the signed manifest."""
    now = now or timezone.now()
    language = language_of(language)
    pdf = render_pdf(case, viewer, language, now)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    files = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        files.append(_hash_into(archive, PDF, io.BytesIO(pdf)))
        for piece in pieces(case, viewer):
            with file_for(viewer, piece.evidence).open("rb") as stored:
                entry = _hash_into(archive, piece.path, stored)
            e = piece.evidence
            files.append(
                entry
                | {
                    "evidence_id": e.pk,
                    "kind": e.kind,
                    "party": e.party,
                    "copy": piece.copy,
                    # The SHA-256 of the file as uploaded (the case page and the statements cite it).
                    "uploaded_sha256": e.sha256,
                    "captured_at": e.captured_at.isoformat() if e.captured_at else None,
                    "uploaded_at": e.uploaded_at.isoformat(),
                }
            )
        manifest = {
            "format": FORMAT,
            "case": case.reference,
            "copy_for": copy_for(viewer),
            "language": language,
            "created_at": now.isoformat(),
            "rulebook_version": case.rulebook_version,
            "log_head": chain.chain_head(case),
            "files": files,
            "key_id": signing.key_id(),
        }
        body = manifest_bytes(manifest)
        digest = hashlib.sha256(body).digest()
        archive.writestr(MANIFEST, body)
        signature = {
            "algorithm": signing.ALGORITHM,
            "key_id": signing.key_id(),
            "manifest_sha256": digest.hex(),
            "signature": signing.sign(digest),
            "public_key": "/dossier/public-key",
        }
        archive.writestr(SIGNATURE, json.dumps(signature, indent=2))
    out.seek(0)
    return out


def download_name(case: Case, viewer: User, extension: str) -> str:
    """Return the file name of a dossier download: the case, whose copy, the type."""
    suffix = "" if side_of(viewer) == REPORTER else f"-{copy_for(viewer)}"
    return f"dossier-{case.reference}{suffix}.{extension}"
