"""Pure evaluation of the rulebook: no database, no clock of its own. Callers pass `now`."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .calendar import deadline
from .schema import Category, Rulebook

ADMITTED = "admitted"
NEEDS_EVIDENCE = "needs_evidence"
INADMISSIBLE = "inadmissible"


@dataclass(frozen=True)
class Admissibility:
    outcome: str
    rulebook_version: str
    category: str
    reason_code: str | None = None
    # Facts compared, as ISO strings, so the statement can quote them.
    dates: dict[str, str] = field(default_factory=dict)
    missing_evidence: tuple[str, ...] = ()
    evidence_due_at: datetime | None = None
    explanation: dict[str, str] = field(default_factory=dict)
    alternatives: tuple[dict[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the outcome as stored on the case and shown to the reporter."""
        return {
            "outcome": self.outcome,
            "rulebook_version": self.rulebook_version,
            "category": self.category,
            "reason_code": self.reason_code,
            "dates": self.dates,
            "missing_evidence": list(self.missing_evidence),
            "evidence_due_at": self.evidence_due_at.isoformat() if self.evidence_due_at else None,
            "explanation": self.explanation,
            "alternatives": list(self.alternatives),
        }


def window_closes_at(category: Category, delivered_at: datetime | None) -> datetime | None:
    """Return when the report window closes for an order delivered at `delivered_at`.

    None when the window has not started (the order is not delivered yet).
    """
    if delivered_at is None:
        return None
    return delivered_at + timedelta(days=category.window_days)


def missing_evidence(category: Category, kinds_present: set[str]) -> tuple[str, ...]:
    """Return the required evidence kinds not among `kinds_present`, in the rulebook's order."""
    return tuple(kind for kind in category.required_evidence if kind not in kinds_present)


def _alternatives(rulebook: Rulebook) -> tuple[dict[str, str], ...]:
    return tuple({"code": a.code, "zh": a.title.zh, "en": a.title.en} for a in rulebook.alternatives)


def assess(
    rulebook: Rulebook,
    category: Category,
    target_type: str,
    delivered_at: datetime | None,
    now: datetime,
    kinds_present: set[str],
) -> Admissibility:
    """Return whether a report is admitted, needs evidence, or is inadmissible, and why.

    Order reports are timed from delivery; listing and merchant reports are about the present state
    of the listing or merchant, and have no window.
    """
    base = {"rulebook_version": rulebook.version, "category": category.code}
    title = category.title
    if target_type not in category.targets:
        allowed_zh = "、".join({"order": "订单", "listing": "商品", "merchant": "商家"}[t] for t in category.targets)
        return Admissibility(
            outcome=INADMISSIBLE,
            reason_code="out_of_scope",
            explanation={
                "zh": f"规则第 {rulebook.version} 版“{title.zh}”类举报只适用于：{allowed_zh}。"
                f"您可以改为针对{allowed_zh}举报，或选择其他类别。",
                "en": f"Under rulebook version {rulebook.version}, '{title.en}' reports apply only to: "
                f"{', '.join(category.targets)}. Report one of those instead, or choose another category.",
            },
            alternatives=_alternatives(rulebook),
            **base,
        )
    dates: dict[str, str] = {"reported_at": now.isoformat()}
    if target_type == "order":
        closes = window_closes_at(category, delivered_at)
        if delivered_at is not None and closes is not None:
            dates |= {"delivered_at": delivered_at.isoformat(), "window_closes_at": closes.isoformat()}
            if now > closes:
                days = (now - delivered_at).days
                listing_hint_zh = listing_hint_en = ""
                if "listing" in category.targets:
                    listing_hint_zh = (
                        "如果该商品仍在销售且问题仍然存在，您可以针对商品（而非订单）举报，商品举报不受此时限限制。"
                    )
                    listing_hint_en = (
                        " If the listing is still on sale with the same problem, you can report the listing"
                        " itself, which has no time limit."
                    )
                return Admissibility(
                    outcome=INADMISSIBLE,
                    reason_code="out_of_window",
                    dates=dates,
                    explanation={
                        "zh": f"根据规则第 {rulebook.version} 版，“{title.zh}”类举报须在签收后 "
                        f"{category.window_days} 天内提出。订单签收于 {delivered_at:%Y-%m-%d}，"
                        f"时限截至 {closes:%Y-%m-%d}，本次举报提交于 {now:%Y-%m-%d}（签收后第 {days} 天）。"
                        + listing_hint_zh,
                        "en": f"Under rulebook version {rulebook.version}, '{title.en}' reports must be made "
                        f"within {category.window_days} days of delivery. The order was delivered on "
                        f"{delivered_at:%Y-%m-%d}, the window closed on {closes:%Y-%m-%d}, and this report "
                        f"was made on {now:%Y-%m-%d} ({days} days after delivery)." + listing_hint_en,
                    },
                    alternatives=_alternatives(rulebook),
                    **base,
                )
        else:
            dates["delivered_at"] = ""
    missing = missing_evidence(category, kinds_present)
    if missing:
        due = deadline(rulebook, "evidence", now)
        names_zh = "、".join(rulebook.evidence_kinds[k].zh for k in missing)
        names_en = ", ".join(rulebook.evidence_kinds[k].en for k in missing)
        return Admissibility(
            outcome=NEEDS_EVIDENCE,
            dates=dates | {"evidence_due_at": due.isoformat()},
            missing_evidence=missing,
            evidence_due_at=due,
            explanation={
                "zh": f"“{title.zh}”类举报需要以下证据：{names_zh}。请在 {due:%Y-%m-%d %H:%M} 前补充，"
                "逾期未补充的，举报将因证据不足不予支持。",
                "en": f"A '{title.en}' report needs: {names_en}. Please add it before "
                f"{due:%Y-%m-%d %H:%M}; without it the report will be closed as not upheld for "
                "insufficient evidence.",
            },
            **base,
        )
    return Admissibility(
        outcome=ADMITTED,
        dates=dates,
        explanation={
            "zh": f"举报已受理（规则第 {rulebook.version} 版“{title.zh}”）。"
            f"商家须在 {category.response_days} 天内答复。",
            "en": f"Report admitted under rulebook version {rulebook.version} ('{title.en}'). "
            f"The merchant has {category.response_days} days to answer.",
        },
        **base,
    )


def points_expire_at(rulebook: Rulebook, awarded_at: datetime) -> datetime:
    """Return when points awarded at `awarded_at` expire under the rulebook's expiry rule.

    Pass `awarded_at` in the marketplace's local time: the year ends at local midnight.
    """
    if rulebook.points.expiry == "rolling_365_days":
        return awarded_at + timedelta(days=365)
    return awarded_at.replace(year=awarded_at.year + 1, month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def decision_points(category: Category, outcome: str, repeat: bool) -> int:
    """Return the points a decision puts on the merchant's record; a repeat offence multiplies them."""
    base = {"upheld": category.points.upheld, "partly_upheld": category.points.partly_upheld}.get(outcome, 0)
    return base * category.repeat_multiplier if repeat else base
