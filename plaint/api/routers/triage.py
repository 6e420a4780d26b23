"""The suggested category from a consumer's words (issue 15, item 2): for reporters and staff."""

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from plaint.accounts.models import STAFF_ROLES, Role
from plaint.errors import Forbidden
from plaint.triage.suggest import suggest

from ..schemas import ERRORS

router = Router()

# Reporters (consumers; agents file for them) and the platform's staff.
MAY_ASK = STAFF_ROLES | {Role.CONSUMER}


class SuggestIn(Schema):
    text: str = Field(description="What happened, in the consumer's words (Chinese or English)")
    language: Literal["zh", "en"] = Field("zh", description="The language of the titles in the answer")


class SuggestedCategory(Schema):
    category: str = Field(description="A category code of the rulebook in force")
    title: str
    score: float = Field(
        description="Cold start: the phrase score (higher is closer); trained model: the probability (0 to 1)"
    )
    window_days: int = Field(description="Days to report, counted from delivery for an order")
    words: list[str] = Field(description="The words and phrases of the text that weighed most, most first")


class ModelOut(Schema):
    kind: Literal["cold_start", "trained"]
    version: str = Field(description="The rulebook version (cold start) or the trained model's version")


class SuggestOut(Schema):
    suggestions: list[SuggestedCategory] = Field(description="Best first; empty when no category fits ('none')")
    model: ModelOut
    rulebook_version: str
    suggestion_id: int = Field(description="The recorded suggestion")


@router.post("/suggest", response={200: SuggestOut, **ERRORS})
def suggest_category(request: HttpRequest, data: SuggestIn) -> dict:
    """Rank the categories of the rulebook in force for a description, with the words that weighed most.

    422 for a blank text or one past the rulebook's description_max_chars. A version without [triage]
    (before 3) suggests its own categories with the phrases of the nearest later version that has them;
    409 only when no published version has phrases for the categories in force.
    """
    if request.auth.role not in MAY_ASK:
        raise Forbidden("not_a_reporter", "Suggested categories are for reporters and the platform's staff.")
    result = suggest(data.text, user=request.auth, channel="api", now=timezone.now())
    rulebook = result.rulebook
    items = []
    for ranked in result.ranked:
        category = rulebook.category(ranked.code)
        items.append(
            {
                "category": ranked.code,
                "title": category.title.get(data.language),
                "score": ranked.score,
                "window_days": category.window_days,
                "words": list(ranked.words),
            }
        )
    model = (
        {"kind": "trained", "version": str(result.model.version)}
        if result.model
        else {"kind": "cold_start", "version": rulebook.version}
    )
    return {
        "suggestions": items,
        "model": model,
        "rulebook_version": rulebook.version,
        "suggestion_id": result.suggestion_id,
    }
