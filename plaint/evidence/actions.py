"""Checking and storing evidence files."""

import codecs
import hashlib
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.conf import settings
from django.utils import timezone

from plaint.accounts.models import User
from plaint.db import insert
from plaint.rulebook.schema import Rulebook
from plaint.storage import evidence_storage

from .forensics import hash_fields
from .inspection import EvidenceRejected, Inspected, as_file, inspect, size_of, size_text
from .models import Evidence, derived_path, original_path, shared_path
from .storage import save_verified


@dataclass(frozen=True)
class Upload:
    """A file a party sends, with the rulebook evidence kind it says the file is.

    `data` is the content in hand (bytes), or a binary file open for reading, such as the temporary
    file Django streamed a large upload to: it is read a chunk at a time, never whole.
    """

    name: str
    data: bytes | IO[bytes]
    kind: str


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    kind: str
    data: bytes | IO[bytes]
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

    A refused file never stops the others: the caller keeps what passed. Past PLAINT_EVIDENCE_MAX_FILES
    files, or past PLAINT_EVIDENCE_MAX_TOTAL_BYTES accepted, the rest are refused without being read.
    """
    accepted: list[CheckedUpload] = []
    rejected: list[RejectedUpload] = []
    local_tz = timezone.get_default_timezone()
    max_files = settings.PLAINT_EVIDENCE_MAX_FILES
    max_total = settings.PLAINT_EVIDENCE_MAX_TOTAL_BYTES
    max_video_bytes, max_video_seconds = video_limits(rulebook)
    largest = max(settings.PLAINT_EVIDENCE_MAX_BYTES, max_video_bytes or 0)
    total = 0
    for position, upload in enumerate(uploads, start=1):
        if position > max_files:
            rejected.append(
                RejectedUpload(
                    upload.name,
                    "too_many_files",
                    f"{upload.name} is file {position} of {len(uploads)}; at most {max_files} files are "
                    "accepted in one request. Send it in another request.",
                )
            )
            continue
        if upload.kind not in rulebook.evidence_kinds:
            rejected.append(
                RejectedUpload(
                    upload.name,
                    "unknown_evidence_kind",
                    f"{upload.kind!r} is not an evidence kind; use one of {', '.join(rulebook.evidence_kinds)}.",
                )
            )
            continue
        size = size_of(upload.data)
        if size <= largest and total + size > max_total:
            rejected.append(
                RejectedUpload(
                    upload.name,
                    "too_much_evidence",
                    f"{upload.name} ({size_text(size)}) would bring the files of this request to "
                    f"{size_text(total + size)}; the limit is {size_text(max_total)} in one request. "
                    "Send it in another request.",
                )
            )
            continue
        try:
            inspected = inspect(
                upload.data,
                upload.name,
                max_bytes=settings.PLAINT_EVIDENCE_MAX_BYTES,
                max_pixels=settings.PLAINT_EVIDENCE_MAX_PIXELS,
                local_tz=local_tz,
                max_video_bytes=max_video_bytes,
                max_video_seconds=max_video_seconds,
            )
        except EvidenceRejected as exc:
            rejected.append(RejectedUpload(upload.name, exc.code, exc.message))
            continue
        total += size
        accepted.append(CheckedUpload(upload.name, upload.kind, upload.data, inspected))
    return accepted, rejected


def video_limits(rulebook: Rulebook) -> tuple[int | None, int | None]:
    """Return the largest video in bytes and the longest in seconds the rulebook accepts; (None, None) if none."""
    intake = rulebook.intake
    if intake.video_max_mb is None or intake.video_max_seconds is None:
        return None, None
    return intake.video_max_mb * 1024 * 1024, intake.video_max_seconds


def masked_text_copy(original: IO[bytes], mask: Callable[[str], str]) -> tuple[IO[bytes], int, str] | None:
    """Return a text file masked with `mask`, as UTF-8: (a file at its start, size, SHA-256); None if unchanged.

    The file was accepted as UTF-8 or GB 18030 text (inspection._is_text). It is read, masked and
    written a line at a time (to memory up to 1 MiB, then disk), so a large chat log is never whole in memory.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        original.seek(0)
        reader = codecs.getreader(encoding)(original)
        out = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
        digest = hashlib.sha256()
        changed = False
        try:
            for line in reader:
                masked = mask(line)
                changed = changed or masked != line
                data = masked.encode()
                digest.update(data)
                out.write(data)
        except UnicodeDecodeError:
            out.close()
            continue
        if not changed and encoding == "utf-8-sig":
            out.close()
            return None
        size = out.tell()
        out.seek(0)
        return out, size, digest.hexdigest()
    return None


def store(
    case: object,
    checked: CheckedUpload,
    uploaded_by: User,
    party: str,
    now: datetime,
    *,
    mask: Callable[[str], str] | None = None,
) -> Evidence:
    """Store a checked upload as evidence on `case` and return it.

    `mask`: for a text file, the copy the other party and the panels read is the text passed through
    it (personal data masked, plaint/cases/masking.py); the uploader's side and staff read the original.
    """
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
        duration=inspected.duration,
        uploaded_at=now,
        software=inspected.software,
        **hash_fields(inspected.phash),
    )
    # Paths are content-addressed: a file already stored whole under its hash is the same file.
    evidence.file.name = save_verified(
        original_path(evidence, checked.name) + inspected.extension,
        as_file(checked.data),
        inspected.size,
        inspected.sha256,
        evidence_storage(),
    )
    masked = None
    if mask is not None and inspected.content_type == "text/plain":
        masked = masked_text_copy(as_file(checked.data), mask)
    if masked is not None:
        # The masked copy depends on whose names are masked, so its name carries its own hash.
        copy, size, digest = masked
        with copy:
            evidence.shared_file.name = save_verified(
                f"{shared_path(evidence, checked.name)}-{digest[:16]}.txt", copy, size, digest
            )
    elif inspected.shared_bytes is None:
        # Nothing to hide in this file: the other party sees the original.
        evidence.shared_file.name = evidence.file.name
    else:
        shared = inspected.shared_bytes
        evidence.shared_file.name = save_verified(
            shared_path(evidence, checked.name) + inspected.extension,
            io.BytesIO(shared),
            len(shared),
            hashlib.sha256(shared).hexdigest(),
            evidence_storage(),
        )
    # The derived images hold no metadata at all: one copy serves both sides.
    for field, data, name in (
        (evidence.thumbnail, inspected.thumbnail, "thumbnail.jpg"),
        (evidence.view_file, inspected.view_bytes, "view.jpg"),
    ):
        if data is not None:
            field.name = save_verified(
                derived_path(evidence, name),
                io.BytesIO(data),
                len(data),
                hashlib.sha256(data).hexdigest(),
                evidence_storage(),
            )
    return insert(evidence)
