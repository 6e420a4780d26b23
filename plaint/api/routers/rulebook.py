"""The published rulebook, public: anyone may read every version, signed in or not (issue 14, "Open books")."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from plaint.errors import NotFound
from plaint.rulebook import loader, published
from plaint.rulebook.loader import RulebookError
from plaint.rulebook.schema import Rulebook

from ..schemas import ERRORS

# auth=None: no token or session needed on this router's operations; every other router keeps the API's auth.
router = Router(auth=None)


class VersionOut(Schema):
    version: str
    title: dict[str, str]
    effective_from: str
    status: str  # in_force, coming (effective_from is later), earlier
    changes: str
    url: str


class ChangeOut(Schema):
    path: str
    kind: str  # added, removed, changed
    before: Any
    after: Any


class ChangesOut(Schema):
    """What a version changed from the one before it, value by value (computed from the parsed versions)."""

    version: str
    changes_text: str
    from_version: str | None
    categories_added: list[str]
    categories_removed: list[str]
    changes: list[ChangeOut]


def _version(version: str) -> Rulebook:
    try:
        return loader.get(version)
    except RulebookError:
        raise NotFound("rulebook_version_not_found", f"No rulebook version {version!r}.") from None


@router.get("", response={200: list[VersionOut], **ERRORS})
def versions(request: HttpRequest) -> list[dict]:
    """Every rulebook version, newest first, with which is in force now and which is coming (and from when)."""
    return [
        listed.as_dict() | {"url": f"/api/rulebook/{listed.rulebook.version}"}
        for listed in published.listing(timezone.now())
    ]


@router.get("/current", response={200: dict[str, Any], **ERRORS})
def current(request: HttpRequest) -> dict:
    """The rulebook version in force now."""
    return loader.in_force(timezone.now()).model_dump(mode="json")


@router.get("/{version}", response={200: dict[str, Any], **ERRORS})
def by_version(request: HttpRequest, version: str) -> dict:
    """A rulebook version, as published."""
    return _version(version).model_dump(mode="json")


@router.get("/{version}/changes", response={200: ChangesOut, **ERRORS})
def changes(request: HttpRequest, version: str) -> dict:
    """What the version changed from the one before it: its `changes` text and every value added, removed or changed."""
    rulebook = _version(version)
    found = published.changes_from_previous(rulebook)
    body = (
        found.as_dict()
        if found
        else {"from_version": None, "categories_added": [], "categories_removed": [], "changes": []}
    )
    body.pop("to_version", None)
    return {"version": rulebook.version, "changes_text": rulebook.changes, **body}
