"""Checking a dossier: is it the ZIP Plaint signed, and if not, which file changed.

Used by `manage.py verify_dossier FILE.zip` and the public page /dossier/verify/. The signature is
checked against this deployment's public key only (never a key the ZIP carries): a valid signature
means the manifest is the one Plaint wrote; each file is then checked against the manifest's SHA-256.
"""

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

from plaint.errors import InvalidInput

from . import signing
from .build import CHUNK, FORMAT, MANIFEST, SIGNATURE

# A dossier holds its PDF and the case's evidence; far more entries than a case can have is not one.
MAX_ENTRIES = 2000


@dataclass(frozen=True)
class Problem:
    path: str
    # changed | missing | unexpected (a file the manifest does not list) | signature | manifest
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind}: {self.detail}"


@dataclass
class Verdict:
    intact: bool
    signature_valid: bool
    case: str | None = None
    copy_for: str | None = None
    created_at: str | None = None
    log_head: dict[str, Any] | None = None
    files: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "signature_valid": self.signature_valid,
            "case": self.case,
            "copy_for": self.copy_for,
            "created_at": self.created_at,
            "log_head": self.log_head,
            "files": self.files,
            "problems": [{"path": p.path, "kind": p.kind, "detail": p.detail} for p in self.problems],
        }


def _not_a_dossier(detail: str) -> InvalidInput:
    return InvalidInput(
        "not_a_dossier",
        f"This is not a Plaint dossier: {detail}.",
        field="file",
        hint="Choose the .zip file downloaded from a case page (dossier-PL-….zip), as it was downloaded.",
    )


def _digest(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(source: IO[bytes] | str) -> Verdict:
    """Return whether the dossier in `source` (a file or a path) is intact, and every problem found.

    Raises InvalidInput (`not_a_dossier`) when it is not a ZIP, or has no manifest or signature at all.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_a_dossier("not a ZIP file") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _not_a_dossier(f"more than {MAX_ENTRIES} files")
        names = [i.filename for i in infos]
        if MANIFEST not in names or SIGNATURE not in names:
            raise _not_a_dossier(f"no {MANIFEST} or {SIGNATURE}")
        try:
            body = archive.read(MANIFEST)
            manifest = json.loads(body)
            signature = json.loads(archive.read(SIGNATURE))
        except (ValueError, zipfile.BadZipFile) as exc:
            raise _not_a_dossier(f"{MANIFEST} or {SIGNATURE} is not readable JSON") from exc
        if not isinstance(manifest, dict) or not isinstance(signature, dict) or manifest.get("format") != FORMAT:
            raise _not_a_dossier(f"{MANIFEST} is not of the format {FORMAT}")
        problems: list[Problem] = []
        digest = hashlib.sha256(body).digest()
        signature_valid = signing.valid(digest, str(signature.get("signature", "")))
        if not signature_valid:
            problems.append(
                Problem(
                    MANIFEST,
                    "signature",
                    "Plaint's signature does not match the manifest: the manifest was changed, "
                    "or the dossier was not signed with this Plaint's key "
                    f"(key {signature.get('key_id')!s}, this Plaint's {signing.key_id()}).",
                )
            )
        listed = manifest.get("files")
        if not isinstance(listed, list):
            listed = []
            problems.append(Problem(MANIFEST, "manifest", "the manifest lists no files"))
        expected = {}
        for entry in listed:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                expected[entry["path"]] = str(entry.get("sha256", ""))
        seen: set[str] = set()
        for name in names:
            if name in (MANIFEST, SIGNATURE):
                continue
            if name in seen or name not in expected:
                problems.append(Problem(name, "unexpected", "a file the manifest does not list"))
                continue
            seen.add(name)
            try:
                actual = _digest(archive, name)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
                # A changed byte inside a compressed entry usually fails the ZIP's own CRC first.
                problems.append(Problem(name, "changed", f"the file cannot be read as stored: {exc}"))
                continue
            if actual != expected[name]:
                problems.append(Problem(name, "changed", f"SHA-256 {actual}, the manifest says {expected[name]}"))
        for name in expected:
            if name not in seen:
                problems.append(Problem(name, "missing", "listed in the manifest but not in the ZIP"))
    return Verdict(
        intact=not problems,
        signature_valid=signature_valid,
        case=str(manifest.get("case")) if manifest.get("case") else None,
        copy_for=manifest.get("copy_for"),
        created_at=manifest.get("created_at"),
        log_head=manifest.get("log_head"),
        files=len(expected),
        problems=problems,
    )
