"""Statements of reasons: composed once at decision time, stored whole, rendered in either language."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from plaint.rulebook.calendar import deadline
from plaint.rulebook.schema import Category, Rulebook

OUTCOME_TITLES = {
    "upheld": {"zh": "举报成立", "en": "Upheld"},
    "partly_upheld": {"zh": "举报部分成立", "en": "Partly upheld"},
    "not_upheld": {"zh": "举报不成立", "en": "Not upheld"},
}


def _text(t: Any) -> dict[str, str]:
    return {"zh": t.zh, "en": t.en}


def compose(
    *,
    rulebook: Rulebook,
    category: Category,
    outcome: str,
    reason_codes: list[str],
    facts: str,
    evidence: list[dict[str, Any]],
    missing_evidence: list[str],
    automated: bool,
    decided_by_role: str,
    remedy: str,
    remedy_amount: Decimal | None,
    tariff_amount: Decimal | None,
    currency: str,
    points: int,
    points_expire_at: datetime | None,
    now: datetime,
    repeat_multiplier: int = 1,
    no_remedy: dict[str, str] | None = None,
    auto_rule: dict[str, Any] | None = None,
    own_initiative: bool = False,
) -> dict[str, Any]:
    """Return the statement of reasons as a self-contained dict (every title copied, nothing looked up later).

    `no_remedy` says, in both languages, why an upheld report gets no remedy (`remedy` is then "none").
    `auto_rule` is the automated rule that decided (its id, title and the facts that met it), if one did.
    `own_initiative`: the case is an investigation the platform opened itself (no reporter); the
    statement says so in `source`, and its appeal text names the merchant's appeals only.
    """
    statement = {
        "outcome": outcome,
        "outcome_title": OUTCOME_TITLES[outcome],
        "facts": facts,
        "rule": {
            "category": category.code,
            "title": _text(category.title),
            "rulebook_version": rulebook.version,
            "rulebook_title": _text(rulebook.title),
            "track": category.track,
            "track_title": _text(rulebook.tracks[category.track].title),
        },
        "reason_codes": [{"code": code, **_text(rulebook.reason_codes[code])} for code in reason_codes],
        "evidence_considered": evidence,
        "missing_evidence": [{"kind": k, **_text(rulebook.evidence_kinds[k])} for k in missing_evidence],
        "automated": automated,
        "decided_by": decided_by_role,
        "remedy": {
            "kind": remedy,
            **_text(rulebook.remedies[remedy]),
            "amount": str(remedy_amount) if remedy_amount is not None else None,
            "tariff_amount": str(tariff_amount) if tariff_amount is not None else None,
            "currency": currency,
            **({"not_applicable": no_remedy} if no_remedy else {}),
        },
        "points": {
            "track": category.track,
            "points": points,
            "repeat_multiplier": repeat_multiplier,
            "expires_at": points_expire_at.isoformat() if points_expire_at else None,
        },
        "appeal": _appeal(
            rulebook,
            points,
            now,
            outcome=outcome,
            automated=automated,
            category=category.code,
            own_initiative=own_initiative,
        ),
        "alternatives": [{"code": a.code, **_text(a.title)} for a in rulebook.alternatives]
        if outcome == "not_upheld" and not own_initiative
        else [],
        "decided_at": now.isoformat(),
    }
    if own_initiative:
        statement["source"] = {"own_initiative": True, **OWN_INITIATIVE_SOURCE}
    if auto_rule:
        statement["auto_rule"] = auto_rule
    return statement


OWN_INITIATIVE_SOURCE = {
    "zh": "本案由平台依职权主动立案调查（非消费者举报），没有举报人。",
    "en": "This case was opened on the platform's own initiative (an investigation, not a consumer's report); "
    "it has no reporter.",
}


def _appeal(
    rulebook: Rulebook,
    points: int,
    now: datetime,
    *,
    outcome: str = "upheld",
    automated: bool = False,
    category: str = "",
    own_initiative: bool = False,
) -> dict[str, Any]:
    """Return how the decision can be challenged: what Plaint offers today, and the routes outside it.

    The merchant may appeal a penalty (points and the measures they bring) to a supervisor within the
    rulebook's window. The complaint's outcome itself has no appeal inside Plaint yet (the appeals
    committee is to come); the statement says so instead of promising one.
    """
    outside_zh = (
        "对处理结果本身，消费者可向消费者协会或 12315 投诉，任何一方均可向人民法院起诉；平台内的申诉委员会尚未设立。"
    )
    outside_en = (
        "For the outcome itself, the consumer may turn to a consumer association or 12315, and either party "
        "to a court; Plaint has no appeals committee yet."
    )
    if rulebook.appeals is not None:
        return _appeals_open(rulebook, points, now, outcome, automated, category, own_initiative)
    if points <= 0:
        return {"penalty_appeal_until": None, "window_days": None, "zh": outside_zh, "en": outside_en}
    until = deadline(rulebook, "penalty_appeal", now)
    local = f"{timezone.localtime(until):%Y-%m-%d %H:%M}"
    return {
        "penalty_appeal_until": until.isoformat(),
        "window_days": rulebook.penalty_appeal_days(),
        "zh": f"商家对本决定的扣分及随之而来的处罚措施不服的，可在 {local} 前申诉，由主管复核。" + outside_zh,
        "en": f"The merchant may appeal the points of this decision and the measures they bring until {local}; "
        "a supervisor reviews the appeal. " + outside_en,
    }


# Who decides an appeal, as the rulebook's route for it says.
DECIDERS = {
    "reconsideration": ("由未参与原决定的主管复核", "a supervisor who did not take this decision reconsiders it"),
    "committee": (
        "由独立申诉委员会随机抽选的合议庭审理",
        "a panel drawn from the independent appeals committee decides it",
    ),
}


def _appeals_open(
    rulebook: Rulebook,
    points: int,
    now: datetime,
    outcome: str,
    automated: bool,
    category: str = "",
    own_initiative: bool = False,
) -> dict[str, Any]:
    """Return the appeals really open to each party under a rulebook with [appeals], with their deadlines.

    The same rules as cases/actions/appeals.py `appealable`: the reporter against not upheld or partly
    upheld (or an automated upheld close's remedy), the merchant against upheld or partly upheld and
    its points. Each names who decides it, by the rulebook's route for the category.
    """
    routes = rulebook.appeals.routes

    def who(kind: str) -> tuple[str, str]:
        return DECIDERS[routes.route(category, kind)]

    outcome_until = deadline(rulebook, "decision_appeal", now)
    penalty_until = deadline(rulebook, "penalty_appeal", now)

    def local(value: datetime) -> str:
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"

    zh, en = [], []
    reporter_until = merchant_until = None
    # An own-initiative investigation has no reporter to appeal.
    if (outcome in ("not_upheld", "partly_upheld") or automated) and not own_initiative:
        reporter_until = outcome_until
        zh.append(f"举报人（或代其办理的客服）不服的，可在 {local(outcome_until)} 前申诉，{who('outcome')[0]}。")
        en.append(f"The reporter (or an agent for them) may appeal until {local(outcome_until)}; {who('outcome')[1]}.")
    if outcome in ("upheld", "partly_upheld"):
        merchant_until = outcome_until
        zh.append(f"商家对处理结果或补救措施不服的，可在 {local(outcome_until)} 前申诉，{who('outcome')[0]}。")
        en.append(
            f"The merchant may appeal the outcome or the remedy until {local(outcome_until)}; {who('outcome')[1]}."
        )
    if points > 0:
        zh.append(f"商家对扣分及处罚措施不服的，可在 {local(penalty_until)} 前申诉，{who('penalty')[0]}。")
        en.append(
            f"The merchant may appeal the points and the measures they bring until {local(penalty_until)}; "
            f"{who('penalty')[1]}."
        )
    if not own_initiative:
        zh.append("对方可在规定期限内答复。")
        en.append("The other party may answer within the rulebook's days.")
    zh.append(
        "此外，消费者可向消费者协会或 12315 投诉，任何一方均可向人民法院起诉；"
        "在欧盟，还可提交经认证的庭外争议解决机构（《数字服务法》第 21 条）。"
    )
    en.append(
        "Beyond Plaint, the consumer may turn to a consumer association or 12315, and either party to a court; "
        "in the EU, also to a certified out-of-court dispute settlement body (DSA art. 21)."
    )
    return {
        "penalty_appeal_until": penalty_until.isoformat() if points > 0 else None,
        "window_days": rulebook.penalty_appeal_days() if points > 0 else None,
        "reporter_appeal_until": reporter_until.isoformat() if reporter_until else None,
        "merchant_appeal_until": merchant_until.isoformat() if merchant_until else None,
        "outcome_window_days": rulebook.outcome_appeal_days(),
        "zh": "".join(zh),
        "en": " ".join(en),
    }


PARTY_NAMES_ZH = {"reporter": "举报人", "merchant": "商家", "platform": "平台"}
PARTY_NAMES_EN = {"reporter": "reporter", "merchant": "merchant", "platform": "platform"}


def _local_text(value: str) -> str:
    """Return an ISO time as the statement's text writes it: 2026-12-03 18:00 in Plaint's time zone."""
    return f"{timezone.localtime(datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"


def money_zh(amount: str, currency: str) -> str:
    """Return an amount for Chinese text as the pages write it: ¥1,234.50 for yuan, 1,234.50 USD otherwise."""
    number = f"{Decimal(amount):,.2f}"
    return f"¥{number}" if currency.upper() == "CNY" else f"{number} {currency.upper()}"


def render(statement: dict[str, Any], language: str) -> str:
    """Return the statement as plain text in `language` ("zh-hans" or "en")."""
    lang = "en" if language.startswith("en") else "zh"
    zh = lang == "zh"
    rule = statement["rule"]
    lines = [
        ("决定：" if zh else "Decision: ") + statement["outcome_title"][lang],
        ("理由：" if zh else "Reasons: ") + ("；" if zh else "; ").join(r[lang] for r in statement["reason_codes"]),
        ("适用规则：" if zh else "Rule applied: ")
        + f"{rule['title'][lang]} — "
        + (f"规则第 {rule['rulebook_version']} 版" if zh else f"rulebook version {rule['rulebook_version']}"),
        ("事实与理由：" if zh else "Facts and reasoning: ") + statement["facts"],
    ]
    if statement.get("source"):
        lines.insert(0, statement["source"][lang])
    if statement["evidence_considered"]:
        lines.append("已审查的证据：" if zh else "Evidence considered:")
        # By name and kind, each side's: the hashes are in the dossier and the staff's view.
        for item in statement["evidence_considered"]:
            kind, name = item["kind_title"][lang], item.get("file_name")
            captured = item.get("captured_at")
            if zh:
                party = PARTY_NAMES_ZH.get(item["party"], item["party"])
                line = f"  - {kind}：{name}（{party}提交）" if name else f"  - {kind}（{party}提交）"
                lines.append(line + (f"，拍摄时间 {_local_text(captured)}" if captured else ""))
            else:
                party = PARTY_NAMES_EN.get(item["party"], item["party"])
                line = f"  - {kind}: {name} (from the {party})" if name else f"  - {kind} (from the {party})"
                lines.append(line + (f", captured {_local_text(captured)}" if captured else ""))
    else:
        lines.append("已审查的证据：无" if zh else "Evidence considered: none was submitted")
    if statement["missing_evidence"]:
        lines.append(
            ("所需而未提供的证据：" if zh else "Evidence that would have been needed: ")
            + ("、" if zh else ", ").join(m[lang] for m in statement["missing_evidence"])
        )
    rule_entry = statement.get("auto_rule")
    if rule_entry:
        lines.append(
            f"本决定由自动化方式作出：规则第 {rule['rulebook_version']} 版的自动化规则“{rule_entry['title']['zh']}”"
            f"（{rule_entry['id']}），其全部条件均已满足："
            if zh
            else f"This decision was made by automated means: the automated rule '{rule_entry['title']['en']}' "
            f"({rule_entry['id']}) of rulebook version {rule['rulebook_version']}, whose every condition was met:"
        )
        lines.extend(f"  - {fact[lang]}" for fact in rule_entry["facts"])
        lines.append(
            "不服的，可按下方申诉途径申诉，申诉由人员审理。"
            if zh
            else "It can be appealed as any decision, as set out below; people decide the appeal."
        )
    elif statement["automated"]:
        lines.append(
            "本决定由系统按规则自动作出。" if zh else "This decision was made automatically under the rulebook."
        )
    else:
        lines.append(
            "本决定由审核人员作出，未使用自动化决策。"
            if zh
            else "This decision was made by a reviewer; no automated means were used."
        )
    remedy = statement["remedy"]
    if remedy["kind"] != "none" and statement["outcome"] != "not_upheld":
        amount = ""
        if remedy["amount"] is not None and zh:
            amount = " " + money_zh(remedy["amount"], remedy["currency"])
            if remedy.get("tariff_amount") and Decimal(remedy["tariff_amount"]) > 0:
                amount += "，另退已缴税费 " + money_zh(remedy["tariff_amount"], remedy["currency"])
        elif remedy["amount"] is not None:
            amount = f" {remedy['amount']} {remedy['currency']}"
            if remedy.get("tariff_amount") and Decimal(remedy["tariff_amount"]) > 0:
                amount += f" plus the tariff paid, {remedy['tariff_amount']} {remedy['currency']}"
        lines.append(("补救措施：" if zh else "Remedy: ") + remedy[lang] + amount)
    elif remedy.get("not_applicable") and statement["outcome"] != "not_upheld":
        lines.append(("补救措施：" if zh else "Remedy: ") + remedy["not_applicable"][lang])
    points = statement["points"]
    if points["points"]:
        lines.append(
            ("违规扣分：" if zh else "Violation points: ")
            + f"{points['points']} ({rule['track_title'][lang]})"
            + (
                (
                    f"，重复违规 ×{points['repeat_multiplier']}"
                    if zh
                    else f", repeat offence ×{points['repeat_multiplier']}"
                )
                if points.get("repeat_multiplier", 1) > 1
                else ""
            )
            + (f"，有效期至 {points['expires_at'][:10]}" if zh else f", until {points['expires_at'][:10]}")
        )
    lines.append(("申诉：" if zh else "Appeal: ") + statement["appeal"][lang])
    if statement["alternatives"]:
        lines.append("其他途径：" if zh else "Other ways forward:")
        lines.extend(f"  - {a[lang]}" for a in statement["alternatives"])
    return "\n".join(lines)


def notice(statement: dict[str, Any]) -> dict[str, Any]:
    """Return the fields of the decision's e-mail and portal notice ("decided"): outcome, remedy, next, appeal.

    Only what a party needs to read at a glance; no hash, no ISO time (the appeal deadline is a moment
    each reader sees in their own language and time zone). The whole statement is on the case's page.
    """
    outcome = statement["outcome"]
    remedy = statement["remedy"]
    if outcome == "not_upheld" or (remedy["kind"] == "none" and not remedy.get("not_applicable")):
        remedy_text = {"zh": "无", "en": "none"}
        next_text = {"zh": "案件已结束。", "en": "The case is closed."}
    elif remedy["kind"] == "none":
        remedy_text = {
            "zh": "无（未找到可执行补救的订单，详见案件页面）",
            "en": "none (no order was found to carry it out on; see the case's page)",
        }
        next_text = {"zh": "案件已结束。", "en": "The case is closed."}
    else:
        zh, en = remedy["zh"], remedy["en"]
        currency = remedy["currency"].upper()
        if remedy["amount"] is not None:
            zh += " " + money_zh(remedy["amount"], currency)
            en += f" of {currency} {Decimal(remedy['amount']):,.2f}"
        if remedy.get("tariff_amount") and Decimal(remedy["tariff_amount"]) > 0:
            zh += "，另退已缴税费 " + money_zh(remedy["tariff_amount"], currency)
            en += f" plus the tariff paid, {currency} {Decimal(remedy['tariff_amount']):,.2f}"
        remedy_text = {"zh": zh, "en": en}
        next_text = {
            "zh": "平台已通知市场执行补救，执行后会再通知您。",
            "en": "The marketplace is instructed to carry out the remedy; you will be told when it is done.",
        }
    appeal = statement["appeal"]
    until = (
        appeal.get("reporter_appeal_until") or appeal.get("merchant_appeal_until") or appeal.get("penalty_appeal_until")
    )
    fields: dict[str, Any] = {"outcome": statement["outcome_title"], "remedy": remedy_text, "next": next_text}
    if not until:
        return fields | {"appeal": {"zh": "", "en": ""}}
    # A moment each reader reads in their own language and time zone (notifications.emails.at).
    appeal = {
        "at": until,
        "zh": "\n不服的，可在 {} 前在案件页面申诉。",
        "en": "\nEither side may appeal on the case's page until {}.",
    }
    return fields | {"appeal": appeal}
