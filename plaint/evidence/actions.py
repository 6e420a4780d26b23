"""Checking and storing evidence files."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from plaint.accounts.models import User
from plaint.db import insert
from plaint.rulebook.schema import Rulebook

from .inspection import EvidenceRejected, Inspected, inspect
from .models import Evidence, original_path, shared_path


@dataclass(frozen=True)
class Upload:
    """A file a party sends, with the rulebook evidence kind it says the file is."""

    name: str
    data: bytes
    kind: str


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    kind: str
    data: bytes
    inspected: Inspected


@dataclass(frozen=True)
class RejectedUpload:
    name: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.name, "code": self.code, "message": self.message}


def check_uploads(uploads: list[Upload], rulebook: Rulebook) -> tuple[list[CheckedUpload], list[RejectedUpload]]:
    """Return the uploads that pass inspection and the ones refused, each with its reason.

    A refused file never stops the others: the caller keeps what passed.
    """
    accepted: list[CheckedUpload] = []
    rejected: list[RejectedUpload] = []
    local_tz = timezone.get_default_timezone()
    for upload in uploads:
        if upload.kind not in rulebook.evidence_kinds:
            rejected.append(
                RejectedUpload(
                    upload.name,
                    "unknown_evidence_kind",
                    f"{upload.kind!r} is not an evidence kind; use one of {', '.join(rulebook.evidence_kinds)}.",
                )
            )
            continue
        try:
            inspected = inspect(
                upload.data, upload.name, max_bytes=settings.PLAINT_EVIDENCE_MAX_BYTES, local_tz=local_tz
            )
        except EvidenceRejected as exc:
            rejected.append(RejectedUpload(upload.name, exc.code, exc.message))
            continue
        accepted.append(CheckedUpload(upload.name, upload.kind, upload.data, inspected))
    return accepted, rejected


def _save_once(path: str, data: bytes) -> str:
    # Paths are content-addressed: a file already stored under its hash is the same file.
    if default_storage.exists(path):
        return path
    return default_storage.save(path, ContentFile(data))


def store(case: object, checked: CheckedUpload, uploaded_by: User, party: str, now: datetime) -> Evidence:
    """Store a checked upload as evidence on `case` and return it."""
    inspected = checked.inspected
    evidence = Evidence(
        case=case,
        party=party,
        uploaded_by=uploaded_by,
        kind=checked.kind,
        original_name=checked.name[:255],
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
        captured_at=inspected.captured_at,
        had_location=inspected.had_location,
        uploaded_at=now,
    )
    evidence.file.name = _save_once(original_path(evidence, checked.name) + inspected.extension, checked.data)
    if inspected.shared_bytes is checked.data:
        # Nothing to hide in this file: the other party sees the original.
        evidence.shared_file.name = evidence.file.name
    else:
        evidence.shared_file.name = _save_once(
            shared_path(evidence, checked.name) + inspected.extension, inspected.shared_bytes
        )
    return insert(evidence)
