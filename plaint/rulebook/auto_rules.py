"""Pure evaluation of the rulebook's automated rules ([[auto_rules]]): no database, no clock of its own.

The caller reads a case's facts as of a moment (plaint/cases/auto_rules.py) and passes them here;
`evaluate` says whether a rule's every condition holds, and words each condition's fact in both
languages for the statement of reasons.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .schema import AutoRule, Rulebook

# The vocabulary in the order a statement lists it (AutoRuleConditions' fields).
CONDITIONS = (
    "merchant_silent",
    "evidence_kinds_include",
    "photo_captured_after_delivery",
    "listing_expired_at_delivery",
    "listing_expiry_before_capture",
    "amount_at_most",
    "no_forensics_flags",
)


@dataclass(frozen=True)
class CaseFacts:
    """What a case showed at one moment. Times are local (Plaint's time zone): their dates are local days."""

    merchant_silent: bool
    reporter_kinds: frozenset[str] = frozenset()
    delivered_at: datetime | None = None
    # The EXIF capture times of the reporter's photos (those that have one).
    photo_captures: tuple[datetime, ...] = ()
    listing_expiry: date | None = None
    amount_paid: Decimal | None = None
    currency: str = "CNY"
    # The forensics flags' codes on the reporter's evidence.
    forensics_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    rule: str
    matched: bool
    # One entry per condition of the rule: {"condition", "met", "zh", "en"}.
    facts: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def met_facts(self) -> list[dict[str, Any]]:
        """Return the facts of the conditions that held, as the statement of reasons quotes them."""
        return [f for f in self.facts if f["met"]]


def _minute(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M}"


def _check(name: str, wanted: Any, facts: CaseFacts, rulebook: Rulebook) -> tuple[bool, str, str]:
    """Return whether one condition holds, and its fact in Chinese and English."""
    delivered = facts.delivered_at
    if name == "merchant_silent":
        ok = facts.merchant_silent
        return (
            ok,
            "商家未在答复期限内答复。" if ok else "商家已答复。",
            ("The merchant did not answer by its deadline." if ok else "The merchant answered."),
        )
    if name == "evidence_kinds_include":
        missing = [k for k in wanted if k not in facts.reporter_kinds]
        zh = "、".join(rulebook.evidence_kinds[k].zh for k in wanted)
        en = ", ".join(rulebook.evidence_kinds[k].en for k in wanted)
        if missing:
            return False, f"举报人未提交：{zh}。", f"The reporter did not send: {en}."
        return True, f"举报人提交了：{zh}。", f"The reporter sent: {en}."
    if name == "photo_captured_after_delivery":
        after = sorted(t for t in facts.photo_captures if delivered is not None and t >= delivered)
        if not after:
            return False, "没有在签收后拍摄的照片。", "No photo was taken after the delivery."
        return (
            True,
            f"举报人的照片拍摄于 {_minute(after[0])}，在 {_minute(delivered)} 签收之后。",
            f"A photo of the reporter's was taken on {_minute(after[0])}, after the delivery on {_minute(delivered)}.",
        )
    if name == "listing_expired_at_delivery":
        expiry = facts.listing_expiry
        ok = expiry is not None and delivered is not None and expiry < delivered.date()
        if not ok:
            return False, "商品申报的保质期在签收时未过。", "The listing's declared expiry had not passed at delivery."
        return (
            True,
            f"商品申报的保质期至 {expiry:%Y-%m-%d}，早于 {delivered:%Y-%m-%d} 签收。",
            f"The listing declares the expiry date {expiry:%Y-%m-%d}, before the delivery on {delivered:%Y-%m-%d}.",
        )
    if name == "listing_expiry_before_capture":
        expiry = facts.listing_expiry
        later = sorted(t for t in facts.photo_captures if expiry is not None and t.date() > expiry)
        if not later:
            return False, "没有在保质期过后拍摄的照片。", "No photo was taken after the declared expiry date."
        return (
            True,
            f"商品申报的保质期至 {expiry:%Y-%m-%d}，早于照片拍摄时间 {_minute(later[0])}。",
            f"The listing declares the expiry date {expiry:%Y-%m-%d}, before the photo taken on {_minute(later[0])}.",
        )
    if name == "amount_at_most":
        paid = facts.amount_paid
        ok = paid is not None and paid <= wanted
        if paid is None:
            return False, "没有可比较金额的订单。", "No order's amount to compare."
        return (
            ok,
            f"订单实付 {paid} {facts.currency}，{'不超过' if ok else '超过'} {wanted}。",
            f"The order's amount paid, {paid} {facts.currency}, is {'at most' if ok else 'more than'} {wanted}.",
        )
    if name == "no_forensics_flags":
        ok = not facts.forensics_flags
        flags = ", ".join(sorted(set(facts.forensics_flags)))
        return (
            ok,
            "证据检查未标记举报人的任何文件。" if ok else f"证据检查标记了举报人的文件：{flags}。",
            (
                "Forensics flagged none of the reporter's files."
                if ok
                else f"Forensics flagged the reporter's files: {flags}."
            ),
        )
    raise ValueError(f"{name!r} is not a condition of the automated rules' vocabulary")


def evaluate(rule: AutoRule, facts: CaseFacts, rulebook: Rulebook) -> Verdict:
    """Return whether every condition the rule names holds for `facts`, with each condition's fact worded.

    Only the conditions the rule names count (a condition left out, or false, asks nothing).
    """
    given = rule.conditions.model_fields_set
    checked = []
    for name in CONDITIONS:
        wanted = getattr(rule.conditions, name)
        if name not in given or wanted in (False, (), None):
            continue
        ok, zh, en = _check(name, wanted, facts, rulebook)
        checked.append({"condition": name, "met": ok, "zh": zh, "en": en})
    return Verdict(rule=rule.id, matched=all(c["met"] for c in checked), facts=tuple(checked))
