"""Reading, validating and publishing rulebook versions.

Versions are written as files in PLAINT_RULEBOOK_DIR. Each is validated when Plaint starts; a malformed
file stops start-up with a message naming the file, the entry and the field. On migrate (or
`manage.py publish_rulebook`) each version is published into the database word for word; a published
version whose text has since changed is refused, so old decisions always read the rules they applied.

The versions in use are the published ones (RulebookVersion), so every node sees the same versions
whatever its folder holds: each is parsed once per process, by version and SHA-256 (from the file
when the file's text is the published one). The list of published versions is read again at most
every PLAINT_RULEBOOK_REFRESH_SECONDS with one query, so a version published by another node is seen
without a restart. Before the database has any (no table yet, nothing published) the files are used.
"""

import hashlib
import threading
import time
import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from pydantic import ValidationError

from .schema import Rulebook


class RulebookError(ImproperlyConfigured):
    pass


def parse(text: str, source: str) -> Rulebook:
    """Return the validated rulebook in `text`; raise RulebookError naming source, entry and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{source}: not valid TOML: {exc}") from None
    try:
        return Rulebook.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = _describe_location(data, error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{source}: {location}: {message}" if location else f"{source}: {message}")
        raise RulebookError("\n".join(problems)) from None


def _describe_location(data: dict, loc: tuple) -> str:
    """Return e.g. "categories[2] (expired_goods): field window_days" for a pydantic error location."""
    parts: list[str] = []
    node: object = data
    for index, part in enumerate(loc):
        if isinstance(part, int):
            parts[-1] += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and "code" in node:
                parts[-1] += f" ({node['code']})"
        else:
            label = f"field {part}" if index == len(loc) - 1 else str(part)
            parts.append(label)
            node = node.get(part) if isinstance(node, dict) else None
    return ": ".join(parts)


def load_file(path: Path) -> tuple[Rulebook, str]:
    """Return the rulebook in a file and the file's text."""
    text = path.read_text(encoding="utf-8")
    return parse(text, str(path)), text


@cache
def _files() -> dict[str, tuple[Rulebook, str, str]]:
    """Return {version: (rulebook, text, file name)} for every file in the rulebook folder."""
    folder = Path(settings.PLAINT_RULEBOOK_DIR)
    found: dict[str, tuple[Rulebook, str, str]] = {}
    for path in sorted(folder.glob("*.toml")):
        rulebook, text = load_file(path)
        if rulebook.version in found:
            raise RulebookError(
                f"{path}: version: {rulebook.version!r} is also declared by {found[rulebook.version][2]}"
            )
        found[rulebook.version] = (rulebook, text, path.name)
    if not found:
        raise RulebookError(f"{folder}: no rulebook (*.toml) found; Plaint needs at least one version")
    return found


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check() -> None:
    """Validate every rulebook file; raise RulebookError on the first problem (used at start-up).

    Also forgets what this process read of the published versions: the next call reads them again.
    """
    _files.cache_clear()
    _file_digests.cache_clear()
    _cached_version.cache_clear()
    _parsed.cache_clear()
    forget_published()
    _files()


@cache
def _file_digests() -> dict[str, str]:
    """Return {version: SHA-256 of its file's text} for the files in the rulebook folder."""
    return {version: _digest(text) for version, (_, text, _) in _files().items()}


# What this process last read of the published versions: (when, by time.monotonic(); {version: sha256}).
_published_at: float | None = None
_published_list: dict[str, str] = {}
_lock = threading.Lock()


def forget_published() -> None:
    """Forget the list of published versions read: the next call reads it from the database again."""
    global _published_at
    with _lock:
        _published_at = None


def _published() -> dict[str, str] | None:
    """Return {version: sha256} of the published versions, read again at most every refresh interval.

    None when the database cannot say (no table yet, no database in this context): use the files.
    """
    global _published_at, _published_list
    now = time.monotonic()
    refresh = float(getattr(settings, "PLAINT_RULEBOOK_REFRESH_SECONDS", 30))
    with _lock:
        if _published_at is not None and now - _published_at < refresh:
            return _published_list
    from .models import RulebookVersion

    try:
        # One cheap query: two short columns of a few rows, never the texts.
        rows = dict(RulebookVersion.objects.order_by().values_list("version", "sha256"))
    except (DatabaseError, RuntimeError):
        # RuntimeError: a context without database access (a check, a test without the database).
        return None
    with _lock:
        _published_at, _published_list = now, rows
    return rows


@cache
def _parsed(version: str, sha256: str) -> Rulebook:
    """Return the published version `version` whose text has this SHA-256, parsed once per process."""
    files = _files()
    if version in files and _file_digests()[version] == sha256:
        return files[version][0]
    from .models import RulebookVersion

    row = RulebookVersion.objects.filter(version=version, sha256=sha256).first()
    if row is None:
        raise RulebookError(f"rulebook version {version!r} is no longer published with the text read")
    return parse(row.source_text, f"published rulebook {version}")


def _in_use() -> list[Rulebook]:
    """Return the versions in use: the published ones, or the files while nothing is published."""
    published = _published()
    if not published:
        rulebooks = [rulebook for rulebook, _, _ in _files().values()]
    else:
        rulebooks = [_parsed(version, sha256) for version, sha256 in published.items()]
    return sorted(rulebooks, key=lambda rb: (rb.effective_from, rb.version))


def in_force(at: datetime) -> Rulebook:
    """Return the version in force at `at`: the latest published whose effective_from is not after it."""
    rulebooks = _in_use()
    candidates = [rb for rb in rulebooks if rb.effective_from <= at]
    if not candidates:
        earliest = min(rb.effective_from for rb in rulebooks)
        raise RulebookError(f"no rulebook is in force at {at.isoformat()}; the earliest starts {earliest}")
    return max(candidates, key=lambda rb: rb.effective_from)


def versions() -> list[Rulebook]:
    """Return every published rulebook version (the files' while nothing is published)."""
    return _in_use()


def file_versions() -> list[Rulebook]:
    """Return the versions in the rulebook folder, published or not."""
    return [rulebook for rulebook, _, _ in _files().values()]


def get(version: str) -> Rulebook:
    """Return a version by name: published (even since the last refresh) or, before any is, a file."""
    published = _published()
    if published and version in published:
        return _parsed(version, published[version])
    if not published:
        files = _files()
        if version in files:
            return files[version][0]
    return _cached_version(version)


@cache
def _cached_version(version: str) -> Rulebook:
    from .models import RulebookVersion

    row = RulebookVersion.objects.filter(version=version).first()
    if row is None:
        raise RulebookError(f"rulebook version {version!r} is neither a file nor published")
    return parse(row.source_text, f"published rulebook {version}")


def publish_all() -> list[str]:
    """Publish every file version not yet in the database; return the versions published.

    Raise RulebookError if a published version's file now says something else.
    """
    from .models import RulebookVersion

    published = {row.version: row for row in RulebookVersion.objects.all()}
    new: list[str] = []
    for version, (rulebook, text, name) in _files().items():
        digest = _digest(text)
        if version in published:
            if published[version].sha256 != digest:
                raise RulebookError(
                    f"{name}: version {version!r} was published on "
                    f"{published[version].published_at:%Y-%m-%d} and its text has changed since. "
                    "A published version is never edited: restore it, and put the change in a new "
                    "file with a new version and a later effective_from."
                )
            continue
        RulebookVersion.objects.create(
            version=version,
            effective_from=rulebook.effective_from,
            source_name=name,
            source_text=text,
            sha256=digest,
        )
        new.append(version)
    # This node sees what it published at once; other nodes within PLAINT_RULEBOOK_REFRESH_SECONDS.
    forget_published()
    return new
