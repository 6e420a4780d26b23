"""What the parties are told at each step of a case, in Chinese and English.

The same texts make the e-mail and the portal notification. Consumers get their own language;
merchants (overseas sellers) get Chinese and English together by e-mail; staff get their account's language.
"""

from datetime import tzinfo

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime

# event -> language -> (subject, body); {ref} and the event's own fields are filled in.
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "received": {
        "zh": ("举报 {ref} 已收到", "您的举报 {ref} 已收到。\n{outcome}"),
        "en": ("We received your report {ref}", "We received your report {ref}.\n{outcome}"),
    },
    "evidence_requested": {
        "zh": ("举报 {ref} 需要补充证据（截止 {due}）", "您的举报 {ref} 已收到，但还需要补充证据。\n{outcome}"),
        "en": (
            "Report {ref} needs evidence by {due}",
            "We received your report {ref}, but it needs more evidence.\n{outcome}",
        ),
    },
    "inadmissible": {
        "zh": ("举报 {ref} 不予受理", "您的举报 {ref} 不予受理。\n{outcome}\n\n您还可以：\n{alternatives}"),
        "en": (
            "Report {ref} cannot be taken up",
            "Your report {ref} cannot be taken up.\n{outcome}\n\nWhat else you can do:\n{alternatives}",
        ),
    },
    "admitted": {
        "zh": ("举报 {ref} 已受理", "证据已补充完整，举报 {ref} 已受理并转交商家答复。"),
        "en": (
            "Report {ref} admitted",
            "The evidence is complete: report {ref} is admitted and has gone to the merchant for an answer.",
        ),
    },
    "to_answer": {
        "zh": ("新举报 {ref} 待答复", "您的店铺收到举报 {ref}（{category}），请在 {due} 前答复。"),
        "en": ("New report {ref} to answer", "Your shop has a report {ref} ({category}). Please answer by {due}."),
    },
    "answered": {
        "zh": ("商家已答复举报 {ref}", "商家已答复您的举报 {ref}：{answer}\n案件已转交审核。"),
        "en": (
            "The merchant answered report {ref}",
            "The merchant answered your report {ref}: {answer}\nThe case has gone to review.",
        ),
    },
    "replied": {
        "zh": (
            "举报人已回应您对举报 {ref} 的答复",
            "举报人已对您就举报 {ref}（{category}）的答复和证据作出回应，审核员将一并审阅。",
        ),
        "en": (
            "The reporter replied to your answer on report {ref}",
            "The reporter replied to your answer and evidence on report {ref} ({category}); the reviewer reads both.",
        ),
    },
    "silence_referred": {
        "zh": ("举报 {ref} 已转交审核", "商家未在 {due} 前答复举报 {ref}，案件已转交审核。"),
        "en": (
            "Report {ref} has gone to review",
            "The merchant did not answer report {ref} by {due}; the case has gone to review.",
        ),
    },
    # The decision in a few lines: the outcome, the remedy, what happens next (with the appeal's
    # deadline, if any) and the link (added by `email`); the whole statement is on the case's page.
    "decided": {
        "zh": (
            "举报 {ref} 已有决定：{outcome}",
            "您的举报 {ref}（{category}）已有决定：{outcome}。\n补救：{remedy}\n接下来：{next}{appeal}",
        ),
        "en": (
            "Report {ref} decided: {outcome}",
            "The decision on report {ref} ({category}): {outcome}.\nRemedy: {remedy}\nWhat happens next: {next}"
            "{appeal}",
        ),
    },
    "resolved": {
        "zh": ("举报 {ref} 已由商家解决", "商家已同意补救（{remedy}），举报 {ref} 已解决。"),
        "en": (
            "Report {ref} resolved by the merchant",
            "The merchant accepted the remedy ({remedy}); report {ref} is resolved.",
        ),
    },
    "remedy_executed": {
        "zh": (
            "举报 {ref}：{remedy}已到账",
            "平台确认举报 {ref} 的补救（{remedy}）已于 {executed} 执行，金额 {amount}。",
        ),
        "en": (
            "Report {ref}: the {remedy} was paid",
            "The marketplace confirms that the remedy of report {ref} ({remedy}) was carried out on {executed}: "
            "{amount}.",
        ),
    },
    "remedy_failed": {
        "zh": ("举报 {ref} 的补救未能执行", "举报 {ref} 的补救未能执行：{reason}\n平台主管正在跟进。"),
        "en": (
            "The remedy of report {ref} could not be carried out",
            "The remedy of report {ref} could not be carried out: {reason}\nA supervisor is following it up.",
        ),
    },
    "remedy_overdue": {
        "zh": (
            "举报 {ref} 的补救逾期未确认",
            "举报 {ref}（{category}）的补救应于 {due} 前确认执行，市场尚未确认，请跟进。",
        ),
        "en": (
            "The remedy of report {ref} is unconfirmed",
            "The marketplace should have confirmed the remedy of report {ref} ({category}) by {due} and has not. "
            "Please follow it up.",
        ),
    },
    "reopened": {
        "zh": ("举报 {ref} 已重新打开", "举报人表示补救款项未到账，举报 {ref} 已重新打开并转交审核：{reason}"),
        "en": (
            "Report {ref} reopened",
            "The reporter says the remedy's money never arrived; report {ref} is reopened and has gone to review: "
            "{reason}",
        ),
    },
    "settled": {
        "zh": ("举报 {ref} 已协商解决", "双方在协商中达成一致（{remedy}），举报 {ref} 已解决。"),
        "en": (
            "Report {ref} settled by agreement",
            "The two sides agreed in the case's negotiation ({remedy}); report {ref} is resolved.",
        ),
    },
    "thread_message": {
        "zh": (
            "举报 {ref} 有新的协商消息",
            "案件 {ref}（{category}）有一条新消息，来自{author}。请在案件页面查看并回复。",
        ),
        "en": (
            "New message in case {ref}",
            "There is a new message from {author} in case {ref} ({category}). Read and answer it on the case's page.",
        ),
    },
    "offer_made": {
        "zh": ("举报 {ref} 收到新的协商方案", "{author}在案件 {ref} 中提出：{offer}。请在案件页面接受或拒绝。"),
        "en": (
            "A new offer in case {ref}",
            "{author} offers in case {ref}: {offer}. Accept or decline it on the case's page.",
        ),
    },
    "offer_settled": {
        "zh": ("举报 {ref} 的协商方案已{outcome}", "您在案件 {ref} 中提出的方案（{offer}）已被对方{outcome}。"),
        "en": (
            "Your offer in case {ref} was {outcome}",
            "The other side {outcome} your offer in case {ref} ({offer}).",
        ),
    },
    "upload_link": {
        "zh": ("上传案件 {ref} 的证据", "请通过下面的链接为案件 {ref} 上传证据文件。链接只能使用一次，{due} 前有效。"),
        "en": (
            "Upload evidence for case {ref}",
            "Use the link below to add evidence files to case {ref}. It works once, until {due}.",
        ),
    },
    "withdrawn": {
        "zh": ("举报 {ref} 已撤回", "举报 {ref} 已由举报人撤回。"),
        "en": ("Report {ref} withdrawn", "The reporter withdrew report {ref}."),
    },
    "withdrawal_confirmed": {
        "zh": (
            "您已撤回举报 {ref}",
            "您已撤回举报 {ref}（{category}），平台不再处理。如问题仍未解决，您可以在举报时限内重新举报，"
            "或联系平台客服、消费者协会（12315）。",
        ),
        "en": (
            "You withdrew report {ref}",
            "You withdrew report {ref} ({category}); the platform has stopped handling it. If the problem is not "
            "solved, you can report again within the report window, or contact customer service or a consumer "
            "association (12315).",
        ),
    },
    "escalated": {
        "zh": ("举报 {ref} 已超期，升级至主管", "举报 {ref}（{category}）的决定应于 {due} 前作出，现已超期，请处理。"),
        "en": (
            "Report {ref} is overdue and escalated",
            "The decision on report {ref} ({category}) was due {due}. It is now with the supervisors.",
        ),
    },
    "cluster_escalated": {
        "zh": (
            "{size} 位消费者就同一商品举报，已升级至主管（聚类 {cluster}）",
            "{size} 位消费者在短时间内就同一商品（或同一商家）举报（{category}，最新一件为 {ref}），"
            "已达到规则的升级数量。"
            "已请平台方：{measure}。请在审核台查看聚类 {cluster} 并一并处理。",
        ),
        "en": (
            "{size} consumers reported the same thing: cluster {cluster} escalated",
            "{size} different consumers reported the same listing (or merchant) within the rulebook's window "
            "({category}; the latest is {ref}). The marketplace was asked to: {measure}. See cluster {cluster} "
            "in the review console and decide its cases together.",
        ),
    },
    "escalated_stage": {
        "zh": ("举报 {ref} {what}，已升级至主管", "举报 {ref}（{category}）{what}，期限为 {due}，现已升级至主管。"),
        "en": (
            "Report {ref} {what}: escalated",
            "Report {ref} ({category}) {what} by {due}; it is now with the supervisors.",
        ),
    },
    "escalation_digest": {
        "zh": (
            "{count} 件举报超期，已升级至主管（{period}）",
            "以下举报的期限已过，已升级至主管（{period}）：\n{lines}\n\n请在主管视图中处理。",
        ),
        "en": (
            "{count} overdue reports escalated ({period})",
            "These reports ran past a deadline and are now with the supervisors ({period}):\n{lines}\n\n"
            "Please take them up in the supervisors' view.",
        ),
    },
    "deadline_reminder": {
        "zh": ("举报 {ref} 的期限即将届满", "举报 {ref}（{stage}）的期限为 {due}，请及时处理。"),
        "en": (
            "Deadline approaching for report {ref}",
            "The deadline of report {ref} ({stage}) is {due}. Please act before then.",
        ),
    },
    "nudged": {
        "zh": ("举报人催办超期举报 {ref}", "举报人催办了已超期的举报 {ref}（{category}），优先级已提高。"),
        "en": (
            "The reporter chased overdue report {ref}",
            "The reporter chased report {ref} ({category}), which is overdue; its priority was raised.",
        ),
    },
    "rectification_ordered": {
        "zh": ("举报 {ref}：须在 {due} 前完成整改", "根据举报 {ref} 的决定，请在 {due} 前完成整改：{instructions}"),
        "en": (
            "Report {ref}: rectification due {due}",
            "Under the decision on report {ref}, please rectify by {due}: {instructions}",
        ),
    },
    "rectification_reviewed": {
        "zh": ("举报 {ref} 的整改：{verdict}", "您就举报 {ref} 提交的整改{verdict}。{reasons}"),
        "en": (
            "Rectification for report {ref}: {verdict}",
            "Your rectification for report {ref} was {verdict}. {reasons}",
        ),
    },
    "rectification_missed": {
        "zh": ("举报 {ref} 的整改已逾期", "举报 {ref} 的整改未在期限内完成，已按规则扣分。"),
        "en": (
            "Rectification for report {ref} missed",
            "The rectification for report {ref} was not completed in time; points were added under the rulebook.",
        ),
    },
    "appeal_filed": {
        "zh": ("商家对举报 {ref} 的处罚提出申诉", "商家对举报 {ref} 的扣分和处罚提出申诉，请审理。理由：{grounds}"),
        "en": (
            "Penalty appeal on report {ref}",
            "The merchant appealed the points and measures of report {ref}. Grounds: {grounds}",
        ),
    },
    "appeal_received": {
        "zh": (
            "{party}对举报 {ref} 提出申诉",
            "{party}对举报 {ref}（{category}）的{appealed}提出申诉。理由：{grounds}\n"
            "您可在 {due} 前答复一次，并可附证据。",
        ),
        "en": (
            "Appeal on report {ref} by {party}",
            "On report {ref} ({category}), {party} appealed {appealed}. Grounds: {grounds}\n"
            "You may answer once, with evidence, until {due}.",
        ),
    },
    "appeal_awaiting_decision": {
        "zh": ("举报 {ref} 的申诉待复核", "{party}对举报 {ref} 的{appealed}提出的申诉已可复核。理由：{grounds}"),
        "en": (
            "Appeal on report {ref} awaits a decision",
            "On report {ref}, the appeal of {party} against {appealed} is ready for reconsideration. "
            "Grounds: {grounds}",
        ),
    },
    "appeal_panel_drawn": {
        "zh": (
            "举报 {ref} 的申诉已交独立委员会合议庭",
            "举报 {ref} 的申诉由独立申诉委员会随机抽选的合议庭审理：{seats}。合议庭将在 {due} 前作出决定。"
            "抽选的随机种子和候选名单记录在案件日志中，任何人都可复核。",
        ),
        "en": (
            "The appeal on report {ref} goes to a committee panel",
            "The appeal on report {ref} is decided by a panel drawn at random from the independent appeals "
            "committee: {seats}. The panel decides by {due}. The draw's seed and pools are on the case's log "
            "so anyone can re-run it.",
        ),
    },
    "appeal_result": {
        "zh": ("举报 {ref} 的申诉复核结果：{result}", "{statement}"),
        "en": ("Appeal on report {ref}: {result}", "{statement}"),
    },
    "appeal_decided": {
        "zh": ("举报 {ref} 的申诉已有结果：{verdict}", "您对举报 {ref} 处罚的申诉{verdict}。理由：{reasons}"),
        "en": (
            "Your appeal on report {ref}: {verdict}",
            "Your appeal against the penalty of report {ref} was {verdict}. Reasons: {reasons}",
        ),
    },
    # Misuse of the report button (plaint/reporters/misuse.py, EU DSA art. 23).
    "reporter_warned": {
        "zh": (
            "警告：您的举报多次被认定为明显缺乏依据",
            "最近 {window} 天内已处理的 {decided} 件举报中，有 {unfounded} 件（{percent}%）"
            "被审核人员认定为明显缺乏依据。"
            "如继续提交明显缺乏依据的举报，您的举报功能将被暂停一段时间。请只就真实发生的问题举报，并附上证据。",
        ),
        "en": (
            "Warning: your reports were often manifestly unfounded",
            "Of your {decided} reports decided in the last {window} days, {unfounded} ({percent}%) were marked "
            "manifestly unfounded by the reviewers. If you go on filing manifestly unfounded reports, you will be "
            "suspended from reporting for a period. Please report only what happened, with evidence.",
        ),
    },
    "reporter_suspended": {
        "zh": (
            "您的举报功能已暂停至 {until}",
            "警告之后，您又提交了明显缺乏依据的举报：最近 {window} 天内已处理的 {decided} 件举报中有 {unfounded} 件"
            "（{percent}%）被认定为明显缺乏依据。您的举报功能暂停至 {until}。"
            "如有异议，可在“我的举报资格”页面提出申诉，由未作出暂停决定的主管审核。",
        ),
        "en": (
            "You are suspended from reporting until {until}",
            "After a warning you filed more manifestly unfounded reports: {unfounded} of your {decided} reports "
            "decided in the last {window} days ({percent}%). You are suspended from reporting until {until}. "
            "You may appeal on your reporting standing page; a supervisor who did not take the suspension decides.",
        ),
    },
    "reporter_appeal_received": {
        "zh": ("举报暂停申诉待处理（消费者 {consumer}）", "消费者 {consumer} 对举报功能暂停提出了申诉，请审核。"),
        "en": (
            "Appeal against a suspension from reporting (consumer {consumer})",
            "Consumer {consumer} appealed their suspension from reporting; please decide it.",
        ),
    },
    "reporter_appeal_lifted": {
        "zh": ("申诉成立：举报功能已恢复", "您对举报功能暂停的申诉成立，暂停已解除，您可以再次举报。理由：{reasons}"),
        "en": (
            "Appeal granted: you may report again",
            "Your appeal against the suspension from reporting was granted; the suspension is lifted. "
            "Reasons: {reasons}",
        ),
    },
    "reporter_appeal_upheld": {
        "zh": (
            "申诉未获支持：举报功能暂停至 {until}",
            "您对举报功能暂停的申诉未获支持，暂停维持至 {until}。理由：{reasons}",
        ),
        "en": (
            "Appeal refused: suspended from reporting until {until}",
            "Your appeal against the suspension from reporting was refused; it stays until {until}. Reasons: {reasons}",
        ),
    },
    "panel_seated": {
        "zh": (
            "您已被抽选为案件 {ref} 的合议组成员",
            "您已被抽选为案件 {ref} 合议组的{seat}，请在 {due} 前投票并说明理由。",
        ),
        "en": (
            "You are on a panel for case {ref}",
            "You were drawn as the {seat} of the panel for case {ref}. Please vote with your reasons by {due}.",
        ),
    },
    "panel_waiting": {
        "zh": (
            "案件 {ref} 的合议组人数不足",
            "案件 {ref} 的合议组（编号 {panel}）无法组成，缺少：{missing}。请补充委员。",
        ),
        "en": (
            "The panel for case {ref} cannot be filled",
            "The panel {panel} for case {ref} cannot be drawn; it lacks eligible members: {missing}. "
            "Please add members.",
        ),
    },
    # Past buyers of a listing a decision found illegal (plaint/buyers; DSA art. 32). Not a party to the
    # case: they are told what was found, who the merchant is and what they can do, with no link to the case.
    "past_buyer_found": {
        "zh": (
            "关于您购买过的商品的提示：{category}",
            "平台于 {decided} 作出决定（案件 {ref}），认定商品“{listing}”属于“{category}”。\n"
            "商家：{shop}（经营主体：{company}）。\n"
            "您在此前 {months} 个月内购买过该商品。建议您停止使用，并保留商品、包装和订单记录作为证据。您可以：\n"
            "· 就您的订单在平台举报，要求{remedies}（本类举报时限为收货后 {window} 天）：{link}\n"
            "· 联系平台客服（热线或在线客服）协商处理；\n"
            "· 向消费者协会投诉，或通过全国12315平台（12315.cn / 拨打12315）投诉；\n"
            "· 向人民法院提起诉讼。",
        ),
        "en": (
            "About a product you bought: {category}",
            'On {decided} the platform decided (case {ref}) that the listing "{listing}" falls under '
            '"{category}".\nMerchant: {shop} (registered as: {company}).\n'
            "You bought this listing in the {months} months before. We advise you to stop using it and to keep "
            "the goods, their packaging and your order record as evidence. What you can do:\n"
            "- Report your order on the platform and ask for {remedies} (reports in this category are taken up "
            "to {window} days after delivery): {link}\n"
            "- Contact the platform's customer service (hotline or online chat);\n"
            "- Complain to a consumer association, or to the national 12315 platform (12315.cn, or call 12315);\n"
            "- Bring a claim before a people's court.",
        ),
    },
    "past_buyer_withdrawn": {
        "zh": (
            "更正：关于您购买过的商品的提示已撤销",
            "平台曾告知您：于 {decided} 作出的决定（案件 {ref}）认定商品“{listing}”（商家：{shop}）属于“{category}”。"
            "该认定已于 {overturned} 经申诉撤销，不再成立。\n如有疑问，请联系平台客服。",
        ),
        "en": (
            "Correction: the notice about a product you bought is withdrawn",
            'We told you that a decision of {decided} (case {ref}) found the listing "{listing}" (merchant: '
            '{shop}) to fall under "{category}". On {overturned} that finding was overturned on appeal and no '
            "longer stands.\nIf you have questions, contact the platform's customer service.",
        ),
    },
}

FOOTER = {"zh": "查看案件：", "en": "See the case: "}


def lang(language: str) -> str:
    """Return the texts' language ("zh" or "en") for a Django language code; anything not English is Chinese."""
    return "en" if language.startswith("en") else "zh"


def at(moment: object, zh: str = "{}", en: str = "{}") -> dict[str, str]:
    """Return a moment as a field value written out in each reader's language and time zone.

    `moment` is an aware datetime or its ISO text; `zh` and `en` are Plaint's own sentences around
    it (`{}` is the moment). Stored as is in a portal notification, it is formatted when read.
    """
    iso = moment if isinstance(moment, str) else moment.isoformat()  # type: ignore[attr-defined]
    return {"at": iso, "zh": zh, "en": en}


def when_text(iso: str, code: str, tz: tzinfo | None = None) -> str:
    """Return an ISO moment as the pages write it in language `code` ("zh" or "en"): 2026年12月3日 18:00."""
    moment = parse_datetime(iso)
    if moment is None:
        return iso
    local = timezone.localtime(moment, tz or timezone.get_default_timezone())
    with translation.override("zh-hans" if code == "zh" else "en"):
        return formats.date_format(local, "DATETIME_FORMAT")


def _value(value: object, code: str, tz: tzinfo | None) -> str:
    if isinstance(value, dict):
        if "at" in value:
            return value.get(code, "{}").format(when_text(value["at"], code, tz))
        return value[code]
    return str(value)


def render(event: str, tz: tzinfo | None = None, **fields: str | dict[str, str]) -> dict[str, tuple[str, str]]:
    """Return {"zh": (subject, body), "en": (subject, body)} of an event, without the link.

    A field may be {"zh": ..., "en": ...} to differ by language, or `at(moment)`, a moment written in
    each language's format and in `tz` (the default time zone without one). A missing field is a
    KeyError: a text that names a field its caller does not give is a bug, not something to send.
    """
    out = {}
    for code, (subject, body) in TEXTS[event].items():
        values = {key: _value(value, code, tz) for key, value in fields.items()}
        out[code] = (subject.format(**values), body.format(**values))
    return out


def email(rendered: dict[str, tuple[str, str]], language: str, path: str) -> tuple[str, str]:
    """Return (subject, body) of the e-mail; language "bilingual" gives Chinese then English.

    The body ends with the link to the case's page (`path` under PLAINT_BASE_URL); no link when `path` is empty.
    """
    link = f"{settings.PLAINT_BASE_URL.rstrip('/')}{path}" if path else ""

    def one(code: str) -> tuple[str, str]:
        subject, body = rendered[code]
        return subject, body + (f"\n\n{FOOTER[code]}{link}\n" if link else "\n")

    if language == "bilingual":
        (zh_subject, zh_body), (en_subject, en_body) = one("zh"), one("en")
        return f"{zh_subject} / {en_subject}", f"{zh_body}\n----\n\n{en_body}"
    return one(lang(language))


def compose(event: str, language: str, path: str = "", **fields: str | dict[str, str]) -> tuple[str, str]:
    """Return (subject, body) of an event's e-mail in `language` ("zh-hans", "en" or "bilingual")."""
    return email(render(event, **fields), language, path)
