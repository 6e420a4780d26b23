"""The ready-to-paste complaint text in the shape 12315 asks for: complainant, respondent, facts, demands, evidence.

The 12315 platform's online form (and a consumer association's) asks for the complainant, the respondent
by its registered name and address, the purchase, what happened, what the consumer demands, and the
evidence. The text is built from the case as the reader may read it (cases/reading.py), so the
merchant's copy carries the consumer's name masked and no contact details. Chinese for 12315; English
as a courtesy copy (the wording follows cases/statements.py: both languages written out here).
"""

from datetime import datetime
from typing import Any

from django.utils import timezone

from plaint.accounts.models import User
from plaint.cases.actions.common import no_reporter
from plaint.cases.models import Case
from plaint.cases.reading import describe_case
from plaint.rulebook import loader

from .build import language_of

STATE_ZH = {
    "new": "已受理",
    "needs_evidence": "待补充证据",
    "awaiting_merchant": "等待商家答复",
    "awaiting_review": "平台审核中",
    "decided": "平台已作出决定",
    "resolved": "商家已同意诉求",
    "withdrawn": "已撤回",
    "inadmissible": "平台未受理",
}
OUTCOME_ZH = {"upheld": "投诉成立", "partly_upheld": "部分成立", "not_upheld": "投诉不成立"}
OUTCOME_EN = {"upheld": "upheld", "partly_upheld": "partly upheld", "not_upheld": "not upheld"}


def _local(value: str | None, zh: bool) -> str:
    if not value:
        return "不详" if zh else "unknown"
    moment = timezone.localtime(datetime.fromisoformat(value))
    return f"{moment:%Y-%m-%d %H:%M}" if not zh else f"{moment:%Y年%m月%d日 %H:%M}"


def _or(value: str, zh: bool) -> str:
    return value or ("（未登记）" if zh else "(not on record)")


def complaint_text(case: Case, viewer: User, language: str = "zh-hans", *, data: dict[str, Any] | None = None) -> str:
    """Return the complaint as plain text to paste into 12315's form, in `language` ("zh-hans" or "en").

    `data`: the case as the viewer reads it (cases.reading.describe_case), when the caller has it already.
    """
    if case.reporter_id is None:
        # A complaint is a consumer's; an own-initiative investigation has none to make.
        raise no_reporter(case)
    zh = language_of(language) == "zh-hans"
    lang = "zh" if zh else "en"
    data = data if data is not None else describe_case(case, viewer, language=language_of(language))
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    merchant = case.merchant
    reporter, order = data["reporter"], data["order"]
    sep = "；" if zh else "; "
    lines: list[str] = []

    lines.append("【投诉人】" if zh else "[Complainant]")
    who = [("姓名：" if zh else "Name: ") + _or(reporter["name"] or "", zh)]
    if reporter.get("phone"):
        who.append(("联系电话：" if zh else "Phone: ") + reporter["phone"])
    if reporter.get("email"):
        who.append(("电子邮箱：" if zh else "E-mail: ") + reporter["email"])
    lines.append(sep.join(who))

    lines.append("【被投诉方】" if zh else "[Respondent]")
    lines.append(("名称：" if zh else "Registered name: ") + _or(merchant.registered_name, zh))
    lines.append(("住所/地址：" if zh else "Registered address: ") + _or(merchant.registered_address, zh))
    if merchant.registration_number:
        lines.append(("统一社会信用代码/注册号：" if zh else "Registration number: ") + merchant.registration_number)
    shop = ("网店名称：" if zh else "Online shop: ") + f"{merchant.name}（{merchant.external_id}）"
    lines.append(shop if zh else f"Online shop: {merchant.name} ({merchant.external_id})")
    contact = [c for c in (merchant.contact_phone, merchant.contact_email) if c]
    if contact:
        lines.append(("联系方式：" if zh else "Contact: ") + sep.join(contact))

    lines.append("【购买信息】" if zh else "[Purchase]")
    if order:
        items = ("、" if zh else ", ").join(f"{i['title']} × {i['quantity']}" for i in order["items"])
        lines.append(("订单号：" if zh else "Order number: ") + order["id"])
        lines.append(("商品：" if zh else "Goods: ") + items)
        paid = f"{order['currency']} {order['amount_paid']}"
        if order["tariff_paid"] not in ("0", "0.00"):
            paid += f"（含税费 {order['tariff_paid']}）" if zh else f" (plus tariff {order['tariff_paid']})"
        lines.append(("实付金额：" if zh else "Amount paid: ") + paid)
        lines.append(("下单时间：" if zh else "Paid on: ") + _local(order["paid_at"], zh))
        lines.append(("收货时间：" if zh else "Delivered on: ") + _local(order["delivered_at"], zh))
    else:
        target = data["target"]
        about = target["listing_id"] or target["merchant_id"]
        lines.append(("投诉对象：" if zh else "About: ") + str(about))

    lines.append("【事实与理由】" if zh else "[Facts]")
    title = category.title.zh if zh and category else category.title.en if category else case.category
    lines.append(
        f"问题类型：{title}。{data['report']['description']}"
        if zh
        else f"Kind of problem: {title}. {data['report']['description']}"
    )
    filed = _local(data["opened_at"], zh)
    state = STATE_ZH.get(case.state, case.state) if zh else case.state.replace("_", " ")
    lines.append(
        f"本人已于{filed}通过平台投诉（编号 {case.reference}），目前状态：{state}。"
        if zh
        else f"I complained through the marketplace on {filed} (reference {case.reference}); its state: {state}."
    )
    for decision in data["decisions"]:
        statement = decision["statement"]
        outcome = (OUTCOME_ZH if zh else OUTCOME_EN).get(decision["outcome"], decision["outcome"])
        when = _local(decision["decided_at"], zh)
        lines.append(
            f"平台于{when}作出决定：{outcome}。理由：{statement['facts']}"
            if zh
            else f"The marketplace decided on {when}: {outcome}. Reasons: {statement['facts']}"
        )
    for appeal in data["appeals"]:
        if appeal["result"]:
            lines.append(
                f"申诉结果：{appeal['result']}。{appeal['reasons'] or ''}"
                if zh
                else f"Appeal outcome: {appeal['result']}. {appeal['reasons'] or ''}"
            )

    lines.append("【投诉请求】" if zh else "[Demands]")
    remedy = rulebook.remedies.get(data["report"]["remedy_wanted"])
    remedy_title = getattr(remedy, lang, data["report"]["remedy_wanted"]) if remedy else data["report"]["remedy_wanted"]
    demand = remedy_title
    if order:
        demand += (
            f"，金额 {order['currency']} {order['amount_paid']}"
            if zh
            else f", {order['currency']} {order['amount_paid']}"
        )
    lines.append(("请求被投诉方：" if zh else "I ask the respondent for: ") + demand + ("。" if zh else "."))

    lines.append("【证据清单】" if zh else "[Evidence]")
    if not data["evidence"]:
        lines.append("无" if zh else "none")
    for number, e in enumerate(data["evidence"], start=1):
        kind = rulebook.evidence_kinds.get(e["kind"])
        kind_title = getattr(kind, lang, e["kind"]) if kind else e["kind"]
        party = ("本人提交" if e["party"] == "reporter" else "商家提交") if zh else e["party"]
        captured = _local(e["captured_at"], zh) if e["captured_at"] else ("无" if zh else "none")
        if zh:
            lines.append(
                f"{number}. {kind_title}（{e['file_name']}，{party}），拍摄时间 {captured}，"
                f"上传时间 {_local(e['uploaded_at'], zh)}，SHA-256 {e['sha256']}"
            )
        else:
            lines.append(
                f"{number}. {kind_title} ({e['file_name']}, {party}), captured {captured}, "
                f"uploaded {_local(e['uploaded_at'], zh)}, SHA-256 {e['sha256']}"
            )
    lines.append(
        f"以上证据及平台处理记录见平台签名的案卷（dossier-{case.reference}.zip），可在平台的案卷验证页核验。"
        if zh
        else f"The evidence and the marketplace's record are in its signed dossier (dossier-{case.reference}.zip), "
        "which its verification page checks."
    )
    return "\n".join(lines)
