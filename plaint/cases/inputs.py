"""Typed inputs of the case actions, shared by the API, the pages and the CLI."""

from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from plaint.limits import MAX_ID, Input
from plaint.rulebook import codes

# Declared as enumerations in the OpenAPI document; the actions refuse an unknown code with their own message.
CHANNELS = ["web", "app", "api", "hotline", "online_chat", "email"]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ReportIn(Input):
    # Multipart requests carry the files' `evidence_kind` fields beside these; they are read apart.
    model_config = ConfigDict(extra="ignore")

    target_type: str = Field(
        pattern="^(order|listing|merchant)$", json_schema_extra={"enum": ["order", "listing", "merchant"]}
    )
    target_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] = Field(
        json_schema_extra=codes.in_force("categories")
    )
    also: list[
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
            Field(json_schema_extra=codes.in_force("categories")),
        ]
    ] = Field(
        default_factory=list,
        max_length=9,
        description="Further problems of the same order, as category codes (rulebook [problems], version 4 on): "
        "`category` is the main one; each is judged, answered and decided on its own",
    )
    description: Text
    remedy_wanted: str = Field("refund", max_length=30, json_schema_extra=codes.in_force("remedies"))
    channel: Annotated[str, Field(max_length=20, json_schema_extra={"enum": CHANNELS})] | None = Field(
        None, description="web, app, api, hotline, online_chat, email"
    )
    channel_reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = Field(
        "", description="Call or chat reference: required from agents for hotline and online_chat reports"
    )
    consumer_id: str | None = Field(
        None, max_length=64, description="The consumer reported for (agents and the marketplace only)"
    )


class InvestigationIn(Input):
    """An own-initiative investigation a supervisor opens (docs/investigations.md): no consumer, no remedy."""

    # Multipart requests carry the files' `evidence_kind` fields beside these; they are read apart.
    model_config = ConfigDict(extra="ignore")

    target_type: str = Field(
        pattern="^(listing|merchant)$",
        json_schema_extra={"enum": ["listing", "merchant"]},
        description="listing or merchant: an investigation is about what is on sale, not one consumer's order",
    )
    target_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] = Field(
        json_schema_extra=codes.in_force("categories")
    )
    description: Text = Field(description="What the platform found, and why it opens the case")
    flag_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The monitoring flag the investigation acts on (it is marked acted on)"
    )


class ResponseIn(Input):
    model_config = ConfigDict(extra="ignore")

    kind: str = Field(
        pattern="^(accept|contest|rectify)$", json_schema_extra={"enum": ["accept", "contest", "rectify"]}
    )
    explanation: Text
    rectification_plan: str = ""
    accepted: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]] = Field(
        default_factory=list,
        max_length=10,
        description="For a report of several problems, with kind contest or rectify: the category codes of the "
        "problems you accept; every other problem is contested. Accepting the remedy (kind accept) accepts them all.",
    )


class RectificationIn(Input):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        description="fix_listing, withdraw_batch, supply_customs_document or other",
        json_schema_extra={"enum": ["fix_listing", "withdraw_batch", "supply_customs_document", "other"]},
    )
    instructions: str = Field(max_length=5000)


class DecisionIn(Input):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(
        pattern="^(upheld|partly_upheld|not_upheld)$",
        json_schema_extra={"enum": ["upheld", "partly_upheld", "not_upheld"]},
    )
    reason_codes: list[Annotated[str, Field(json_schema_extra=codes.in_force("reason_codes"))]] = Field(min_length=1)
    statement: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=20000)] = Field(
        description="The facts and the reviewer's reasoning, in the reviewer's words"
    )
    remedy: Annotated[str, Field(json_schema_extra=codes.in_force("remedies"))] | None = Field(
        None, description="Defaults to the remedy the consumer asked for"
    )
    remedy_amount: Decimal | None = Field(
        None, ge=0, max_digits=12, decimal_places=2, description="For a partial refund"
    )
    rectification: RectificationIn | None = Field(None, description="A change the merchant must make (整改)")
    problems: dict[str, str] | None = Field(
        None,
        description="For a report of several problems: the outcome (upheld, partly_upheld, not_upheld) of each "
        "open problem by category code; `outcome` must be the one they make together",
    )


class EvidenceRequestIn(Input):
    """A reviewer's request to the reporter for more evidence during review."""

    kinds: list[Annotated[str, Field(json_schema_extra=codes.in_force("evidence_kinds"))]] = Field(
        min_length=1, description="Evidence kinds of the rulebook, e.g. photo_of_product"
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=2000)] = Field(
        description="What the reporter should send, and why"
    )
