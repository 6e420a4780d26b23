"""The rulebook's shape. Everything policy lives here as data; code reads it, never hard-codes it."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TargetType = Literal["order", "listing", "merchant"]
Silence = Literal["review", "uphold"]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Frozen):
    """A text in both languages Plaint serves."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


class Intake(Frozen):
    evidence_deadline_days: int = Field(gt=0)
    description_max_chars: int = Field(gt=0, le=20000)
    claim_timeout_minutes: int = Field(gt=0)
    decision_days: int = Field(gt=0)
    appeal_window_days: int = Field(gt=0)


class Points(Frozen):
    expiry: Literal["end_of_calendar_year", "rolling_365_days"]


class Track(Frozen):
    title: Text


class Alternative(Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Text


class CategoryPoints(Frozen):
    upheld: int = Field(ge=0)
    partly_upheld: int = Field(ge=0)


class Category(Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Text
    targets: tuple[TargetType, ...] = Field(min_length=1)
    window_days: int = Field(gt=0, description="Days to report; for order reports counted from delivery")
    required_evidence: tuple[str, ...]
    recommended_evidence: tuple[str, ...] = ()
    response_days: int = Field(gt=0, description="Days the merchant has to answer")
    silence: Silence = Field(description="What merchant silence leads to")
    track: str
    points: CategoryPoints
    remedies: tuple[str, ...] = Field(min_length=1)
    # Added to a case's priority in the review queue (higher is more urgent).
    priority: int = Field(0, ge=0, le=10)


class Rulebook(Frozen):
    version: str = Field(pattern=r"^[0-9A-Za-z.\-]+$")
    effective_from: datetime
    title: Text
    changes: str = ""
    intake: Intake
    points: Points
    tracks: dict[str, Track]
    evidence_kinds: dict[str, Text]
    remedies: dict[str, Text]
    reason_codes: dict[str, Text]
    alternatives: tuple[Alternative, ...] = Field(min_length=1)
    categories: tuple[Category, ...] = Field(min_length=1)

    @field_validator("effective_from")
    @classmethod
    def aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone offset, e.g. 2026-01-01T00:00:00+08:00")
        return value

    @model_validator(mode="after")
    def references_resolve(self) -> "Rulebook":
        seen: set[str] = set()
        for index, category in enumerate(self.categories):
            where = f"categories[{index}] ({category.code})"
            if category.code in seen:
                raise ValueError(f"{where}: code: {category.code!r} is used by two categories")
            seen.add(category.code)
            if category.track not in self.tracks:
                raise ValueError(f"{where}: track: {category.track!r} is not one of {sorted(self.tracks)}")
            for field in ("required_evidence", "recommended_evidence"):
                for kind in getattr(category, field):
                    if kind not in self.evidence_kinds:
                        raise ValueError(f"{where}: {field}: {kind!r} is not in [evidence_kinds]")
            for remedy in category.remedies:
                if remedy not in self.remedies:
                    raise ValueError(f"{where}: remedies: {remedy!r} is not in [remedies]")
        for code in ("insufficient_evidence", "out_of_scope", "out_of_window", "unfounded", "merchant_silent"):
            if code not in self.reason_codes:
                raise ValueError(f"reason_codes: {code!r} is required (Plaint's own decisions use it)")
        if "none" not in self.remedies:
            raise ValueError("remedies: 'none' is required (a decision that is not upheld grants it)")
        return self

    def category(self, code: str) -> Category | None:
        """Return the category with this code, or None."""
        for category in self.categories:
            if category.code == code:
                return category
        return None
