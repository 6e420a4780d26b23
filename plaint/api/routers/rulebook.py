"""The published rulebook: anyone signed in may read the rules their case is judged by."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from plaint.errors import NotFound
from plaint.rulebook import loader
from plaint.rulebook.loader import RulebookError

from ..schemas import ERRORS

router = Router()


@router.get("/current", response={200: dict[str, Any], **ERRORS})
def current(request: HttpRequest) -> dict:
    """The rulebook version in force now."""
    return loader.in_force(timezone.now()).model_dump(mode="json")


@router.get("/{version}", response={200: dict[str, Any], **ERRORS})
def by_version(request: HttpRequest, version: str) -> dict:
    """A rulebook version, as published."""
    try:
        return loader.get(version).model_dump(mode="json")
    except RulebookError:
        raise NotFound("rulebook_version_not_found", f"No rulebook version {version!r}.") from None
