"""Where Plaint keeps files: on the local disk (the default) or on S3-compatible object storage.

Two named storages of Django's STORAGES setting hold every file Plaint writes:

- `evidence`: evidence files as uploaded, the copies without location data, and the images derived from
  them (thumbnails, JPEGs of HEIC photos), all under `evidence/<sha256[:2]>/<sha256>/`;
- `held`: files kept for a while only: a form's uploads kept after an error (`held/<token>/`, see
  plaint/web/filing.py) and inbound mail waiting for its sender's confirmation (`inbound/held/`).

`PLAINT_STORAGE=local` (the default) keeps both under MEDIA_ROOT, as before; `PLAINT_STORAGE=s3` keeps them
in one bucket of S3 or a compatible service (MinIO, Ceph, a cloud's object storage), so every web process
and worker reads the same files and none is kept on one machine. docs/operations.md lists the settings.

Code reads and writes through `evidence_storage()` and `held_storage()` (never a path): they follow a
change of STORAGES or MEDIA_ROOT (tests, the simulation's scratch folder) without a restart.
"""

import os
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

EVIDENCE = "evidence"
HELD = "held"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
# A stored object read for a download or a dossier is spooled in memory up to this size, then to a temporary
# file that is gone when the response is sent.
S3_SPOOL_BYTES = 1024 * 1024


class StorageConfigError(Exception):
    """The storage settings in the environment are incomplete or unknown."""


def files_backend(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return the STORAGES entry for Plaint's files from the environment (PLAINT_STORAGE and PLAINT_S3_*).

    Raises StorageConfigError, naming the variable, when PLAINT_STORAGE is unknown or a bucket is missing.
    """
    kind = environ.get("PLAINT_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        # No location: the files follow MEDIA_ROOT (PLAINT_MEDIA_ROOT).
        return {"BACKEND": LOCAL_BACKEND}
    if kind != "s3":
        raise StorageConfigError(f"PLAINT_STORAGE={kind!r} is not known; use 'local' (the default) or 's3'.")
    bucket = environ.get("PLAINT_S3_BUCKET", "").strip()
    if not bucket:
        raise StorageConfigError("PLAINT_STORAGE=s3 needs PLAINT_S3_BUCKET, the bucket that keeps the files.")
    return s3_backend(
        bucket,
        endpoint_url=environ.get("PLAINT_S3_ENDPOINT_URL") or None,
        region=environ.get("PLAINT_S3_REGION") or None,
        access_key=environ.get("PLAINT_S3_ACCESS_KEY_ID") or None,
        secret_key=environ.get("PLAINT_S3_SECRET_ACCESS_KEY") or None,
        prefix=environ.get("PLAINT_S3_PREFIX", ""),
        addressing_style=environ.get("PLAINT_S3_ADDRESSING_STYLE") or None,
    )


def s3_backend(
    bucket: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    prefix: str = "",
    addressing_style: str | None = None,
) -> dict[str, Any]:
    """Return a STORAGES entry for a bucket of S3 or an S3-compatible service (django-storages' S3Storage).

    Without keys, boto3 finds its own (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, the
    machine's role). Objects get no ACL: the bucket's policy, which must not be public, decides.
    """
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "location": prefix.strip("/"),
            "addressing_style": addressing_style,
            "default_acl": None,
            # Names are content addresses (evidence) or random tokens (held files): the same name is the
            # same content, never another file to keep beside it.
            "file_overwrite": True,
            # Files are served through Plaint after its access checks, never from a link to the bucket.
            "querystring_auth": True,
            "max_memory_size": S3_SPOOL_BYTES,
        },
    }


def storages_setting(files: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return Django's STORAGES with `files` (a files_backend entry) for the default and Plaint's named storages."""
    return {
        "default": files,
        EVIDENCE: files,
        HELD: files,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class _NamedStorage(LazyObject):
    """A storage of STORAGES by its alias, looked up when first used and again after STORAGES changes."""

    def __init__(self, alias: str) -> None:
        self.__dict__["_alias"] = alias
        super().__init__()

    def _setup(self) -> None:
        self._wrapped = storages[self.__dict__["_alias"]]


_evidence = _NamedStorage(EVIDENCE)
_held = _NamedStorage(HELD)


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("STORAGES", "MEDIA_ROOT"):
        _evidence._wrapped = empty
        _held._wrapped = empty


def evidence_storage() -> Storage:
    """Return the storage of evidence files and their derived images (the FileFields' `storage`)."""
    return _evidence  # type: ignore[return-value]


def held_storage() -> Storage:
    """Return the storage of files kept for a while: a form's uploads after an error, unconfirmed inbound mail."""
    return _held  # type: ignore[return-value]


def delete_files(storage: Storage, names: Iterable[str]) -> int:
    """Delete the stored files `names` (empty names and ones already gone are skipped); return how many existed.

    The one way to remove stored files, on the local disk or in a bucket alike (a privacy purge of a
    case's evidence uses it with evidence_storage()). Call it after the rows naming the files are
    deleted and committed (transaction.on_commit): a file is never gone while a row still names it.
    """
    deleted = 0
    for name in dict.fromkeys(n for n in names if n):
        if storage.exists(name):
            storage.delete(name)
            deleted += 1
    return deleted


def delete_folder(storage: Storage, folder: str) -> int:
    """Delete every file under `folder` (recursively) and, on a local disk, the emptied folders; return how many."""
    deleted = 0
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return 0
    for sub in folders:
        deleted += delete_folder(storage, f"{folder}/{sub}")
    deleted += delete_files(storage, (f"{folder}/{name}" for name in files))
    try:
        path = storage.path(folder)
    except NotImplementedError:
        return deleted  # object storage has no folders to remove
    try:
        os.rmdir(path)
    except OSError:
        pass  # already gone, or a file was added meanwhile
    return deleted
