"""Reading, validating and publishing rulebook versions.

Versions are files in PLAINT_RULEBOOK_DIR. Each is validated when Plaint starts; a malformed file
stops start-up with a message naming the file, the entry and the field. On migrate each version is
published into the database word for word; a published version whose text has since changed is
refused, so old decisions always read the rules they applied.
"""

import hashlib
import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
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


def check() -> None:
    """Validate every rulebook file; raise RulebookError on the first problem (used at start-up)."""
    _files.cache_clear()
    _cached_version.cache_clear()
    _files()


def in_force(at: datetime) -> Rulebook:
    """Return the version in force at `at`: the latest whose effective_from is not after it."""
    candidates = [rb for rb, _, _ in _files().values() if rb.effective_from <= at]
    if not candidates:
        earliest = min(rb.effective_from for rb, _, _ in _files().values())
        raise RulebookError(f"no rulebook is in force at {at.isoformat()}; the earliest starts {earliest}")
    return max(candidates, key=lambda rb: rb.effective_from)


def versions() -> list[Rulebook]:
    """Return every rulebook version in the folder."""
    return [rulebook for rulebook, _, _ in _files().values()]


def get(version: str) -> Rulebook:
    """Return a version by name: from the files, or from its published copy if its file is gone."""
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
        digest = hashlib.sha256(text.encode()).hexdigest()
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
    return new
