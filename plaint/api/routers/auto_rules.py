"""Automated decisions, shadow first (issue 15, item 8): each rule's agreement with people, replays, switches."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema

from plaint.accounts.models import Role
from plaint.cases import auto_rules
from plaint.errors import Forbidden

from ..schemas import ERRORS

router = Router()

# Who reads the report: the admins who switch rules, and the supervisors who answer for decisions.
MAY_READ = (Role.ADMIN, Role.SUPERVISOR)


class Disagreement(Schema):
    case: str = Field(description="The case's reference")
    url: str = Field(description="The case's page in the review console")
    would_outcome: str
    would_remedy: str
    decided_outcome: str = Field(description="What people decided")
    decided_remedy: str
    decided_at: datetime
    source: Literal["decision", "replay"] = Field(description="Recorded at the decision, or by a replay")


class Switch(Schema):
    mode: str
    by: str
    at: datetime
    reason: str


class Replay(Schema):
    ran_at: datetime
    months: int
    since: datetime
    considered: int = Field(description="Cases of the category decided by people in the months replayed")
    matched: int
    agreed: int


class RuleOut(Schema):
    id: str
    title: str
    category: str
    rulebook_version: str
    mode: Literal["shadow", "live"] = Field(description="live: the rule decides; shadow: it only records")
    outcome: str
    remedy: str
    conditions: dict = Field(description="The rule's conditions as the rulebook writes them")
    matched: int = Field(description="Cases people decided that the rule matched (at decisions and in replays)")
    agreed: int = Field(description="Of those, the ones where people decided as the rule would have")
    agreement: float | None = Field(description="agreed ÷ matched, four places; null when nothing matched")
    decided_live: int = Field(description="Cases the rule itself decided while live")
    last_switch: Switch | None
    last_replay: Replay | None = Field(description="The latest shadow report; switching live needs one")
    disagreements: list[Disagreement] = Field(description="Newest first, at most 50")


class ReplayIn(Schema):
    months: int = Field(6, description="Months of decided cases to replay (1 to 36)")
    version: str | None = Field(None, description="Default: the newest version with automated rules")


class ModeIn(Schema):
    mode: Literal["shadow", "live"]
    reason: str = Field("", max_length=2000, description="Why, for the audit trail")
    version: str | None = Field(None, description="Default: the newest version with automated rules")


def _language(request: HttpRequest) -> str:
    return "en" if (request.auth.language or "").startswith("en") else "zh"


def _out(request: HttpRequest, item: auto_rules.RuleReport) -> dict:
    rule = item.rule
    lang = _language(request)
    return {
        "id": rule.id,
        "title": rule.title.en if lang == "en" else rule.title.zh,
        "category": rule.category,
        "rulebook_version": item.rulebook_version,
        "mode": item.mode,
        "outcome": rule.outcome,
        "remedy": rule.remedy,
        "conditions": rule.conditions.model_dump(mode="json", exclude_unset=True),
        "matched": item.matched,
        "agreed": item.agreed,
        "agreement": item.rate,
        "decided_live": item.decided_live,
        "last_switch": {
            "mode": item.switch.mode,
            "by": item.switch.switched_by.username,
            "at": item.switch.switched_at,
            "reason": item.switch.reason,
        }
        if item.switch
        else None,
        "last_replay": {
            "ran_at": item.replay.ran_at,
            "months": item.replay.months,
            "since": item.replay.since,
            "considered": item.replay.considered,
            "matched": item.replay.matched,
            "agreed": item.replay.agreed,
        }
        if item.replay
        else None,
        "disagreements": [
            {
                "case": row.case.reference,
                "url": reverse("review-case", args=[row.case.reference]),
                "would_outcome": row.would_outcome,
                "would_remedy": row.would_remedy,
                "decided_outcome": row.decided_outcome,
                "decided_remedy": row.decided_remedy,
                "decided_at": row.decided_at,
                "source": row.source,
            }
            for row in item.disagreements
        ],
    }


def _reader(request: HttpRequest) -> None:
    if request.auth.role not in MAY_READ:
        raise Forbidden("not_admin_or_supervisor", "The automated rules' report is for admins and supervisors.")


@router.get("", response={200: list[RuleOut], **ERRORS})
def rules(request: HttpRequest, version: str | None = None) -> list[dict]:
    """Each automated rule of a rulebook version (default: the newest with rules): its mode, how often it
    matched cases people decided and agreed with them, the cases it decided live, its last replay and
    switch, and the disagreements with links. Admins and supervisors."""
    _reader(request)
    return [_out(request, item) for item in auto_rules.report(version)]


@router.post("/{rule}/replay", response={200: RuleOut, **ERRORS})
def replay(request: HttpRequest, rule: str, data: ReplayIn) -> dict:
    """Replay one rule over the cases people decided in the last `months` (the shadow report). Admins only."""
    rulebook = auto_rules.rules_version(data.version)
    auto_rules.replay(rulebook, months=data.months, rule_id=rule, actor=request.auth)
    return _one(request, rulebook.version, rule)


@router.post("/{rule}/mode", response={200: RuleOut, **ERRORS})
def switch(request: HttpRequest, rule: str, data: ModeIn) -> dict:
    """Switch a rule live or back to shadow (audited: who, when, why). Admins only; live needs a shadow report
    (409 no_shadow_report)."""
    rulebook = auto_rules.rules_version(data.version)
    auto_rules.switch_rule(request.auth, rulebook.version, rule, data.mode, reason=data.reason)
    return _one(request, rulebook.version, rule)


def _one(request: HttpRequest, version: str, rule: str) -> dict:
    return next(_out(request, item) for item in auto_rules.report(version) if item.rule.id == rule)
