"""Writing evidence files under their content address, whole or not at all.

A file is written to a temporary name in its final folder, flushed to disk (fsync) and renamed into
place, so a worker killed mid-write leaves at most a `.partial-*` file beside it, never a short file
under the address. A file already at the address is reused only when its size and SHA-256 are the
expected ones: a short or corrupt one (from before writes were atomic, or a failing disk) is replaced.
On object storage (PLAINT_STORAGE=s3, plaint/storage.py) there is no temporary name: the content is checked
before it is sent, and the service shows an object only once it is whole.
"""

import hashlib
import os
import tempfile
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage

from plaint.storage import evidence_storage

CHUNK = 1024 * 1024
PARTIAL_PREFIX = ".partial-"


class ContentMismatch(Exception):
    """The content changed between inspection and storage: nothing was stored."""


def digest_of(stream: IO[bytes]) -> tuple[int, str]:
    """Return the size and SHA-256 (hex) of a binary file read from its start, a chunk at a time.

    (hashlib.file_digest reads a BytesIO through its buffer without moving its position: the size is counted.)
    """
    stream.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def holds(storage: Storage, name: str, size: int, sha256: str) -> bool:
    """Return whether `storage` has a file `name` of exactly this size and SHA-256."""
    if not storage.exists(name) or storage.size(name) != size:
        return False
    with storage.open(name, "rb") as stored:
        return hashlib.file_digest(stored, "sha256").hexdigest() == sha256


def save_verified(name: str, content: IO[bytes], size: int, sha256: str, storage: Storage | None = None) -> str:
    """Store `content` (expected `size` bytes with this SHA-256) at `name` and return the name.

    `storage` is the evidence storage unless given. Raises ContentMismatch, storing nothing, when the
    content read is not the content expected.
    """
    if storage is None:
        storage = evidence_storage()
    if holds(storage, name, size, sha256):
        return name
    try:
        path = storage.path(name)
    except NotImplementedError:
        # Object storage (S3 and alike) makes an object visible only once it is whole; the content is
        # checked before it is sent, as the local disk checks it before the rename.
        read_size, read_sha256 = digest_of(content)
        if read_size != size or read_sha256 != sha256:
            raise ContentMismatch(f"{name}: read {read_size} bytes with SHA-256 {read_sha256}") from None
        content.seek(0)
        if not getattr(storage, "file_overwrite", False) and storage.exists(name):
            storage.delete(name)
        return storage.save(name, File(content, name=os.path.basename(name)))
    _write_atomically(path, content, size, sha256, getattr(storage, "file_permissions_mode", None))
    return name


def _write_atomically(path: str, content: IO[bytes], size: int, sha256: str, mode: int | None) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, prefix=PARTIAL_PREFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            content.seek(0)
            digest = hashlib.sha256()
            while chunk := content.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
            written = out.tell()
        if written != size or digest.hexdigest() != sha256:
            raise ContentMismatch(f"{path}: read {written} bytes with SHA-256 {digest.hexdigest()}")
        # mkstemp makes the file readable by its owner only; stored files get storage's usual mode.
        os.chmod(partial, mode if mode is not None else 0o644)
        os.replace(partial, path)
    except BaseException:
        try:
            os.unlink(partial)
        except FileNotFoundError:
            pass
        raise
    # The rename itself survives a power cut only once the folder is flushed too.
    folder_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(folder_fd)
    finally:
        os.close(folder_fd)
