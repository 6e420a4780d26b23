"""What Plaint writes back to mail it received, in Chinese and English."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from plaint.cases.addresses import intake_address
from plaint.rulebook.schema import Rulebook

# Why a mail could not be acted on. The same words for a case that does not exist and for one that
# is not the sender's, so a stranger learns nothing about which cases exist.
REASONS: dict[str, tuple[str, str]] = {
    "unknown_sender": (
        "发件地址 {sender} 未关联任何消费者账户。请使用您在平台下单时登记的邮箱发送，或在网页上提交举报。",
        "The address {sender} is not linked to a consumer account. Write from the e-mail address of your "
        "marketplace account, or report on the web.",
    ),
    "unknown_case": (
        "我们无法将这封邮件与您的任何举报对应起来。请直接回复我们关于您举报的邮件，或在网页上查看您的举报。",
        "We could not match this message to a report of yours. Reply to one of our e-mails about your "
        "report, or see your reports on the web.",
    ),
    "no_order": (
        "邮件中没有找到您的订单号{given}。请在主题或正文中写明订单号，例如“订单：O-1001”。",
        "We found no order of yours in the message{given}. Put the order number in the subject or text, "
        "for example 'Order: O-1001'.",
    ),
    "no_category": (
        "请说明举报类别：在主题中写上方括号内的类别代码，例如“[expired_goods] 订单 O-1001”，"
        "或在正文写“类别：过期商品”。",
        "Say what the report is about: put the category code in brackets in the subject, for example "
        "'[expired_goods] order O-1001', or write a line 'Category: Expired goods'.",
    ),
    "invalid_report": (
        "举报未能提交：{detail}",
        "The report could not be filed: {detail}",
    ),
    "not_added": (
        "未能将材料加入举报 {ref}：{detail}",
        "Nothing was added to report {ref}: {detail}",
    ),
    "empty": (
        "邮件中没有可加入举报 {ref} 的文字或附件。",
        "The message had no text or attachment to add to report {ref}.",
    ),
    "no_merchant_account": (
        "贵店在平台上还没有员工账户，无法代表贵店加入材料。请先开通商家账户。",
        "Your shop has no staff account on the platform to add material for. Open a merchant account first.",
    ),
    "too_large": (
        "邮件大小为 {size} MB，超过了 {limit} MB 的上限。请分几封邮件发送，或在网页上上传。",
        "The message is {size} MB; the limit is {limit} MB. Send the files in several messages, or upload "
        "them on the web.",
    ),
}


def _categories(rulebook: Rulebook, lang: str) -> str:
    return "\n".join(f"  [{c.code}] {c.title.zh if lang == 'zh' else c.title.en}" for c in rulebook.categories)


def _how_to(rulebook: Rulebook, lang: str) -> str:
    portal = f"{settings.PLAINT_BASE_URL}/consumer/report/new/"
    limit = settings.PLAINT_EVIDENCE_MAX_BYTES // (1024 * 1024)
    if lang == "zh":
        return (
            "如何举报：\n"
            f"· 在网页上提交：{portal}\n"
            f"· 或用您账户登记的邮箱发邮件至 {intake_address()}：主题写类别代码和订单号，"
            "例如“[expired_goods] 订单 O-1001”；正文描述问题；附上照片（JPEG、PNG、WebP）、PDF 或文字记录，"
            f"每个文件不超过 {limit} MB。\n"
            "· 为已有举报补充材料：直接回复我们关于该举报的邮件。\n\n"
            f"举报类别：\n{_categories(rulebook, 'zh')}"
        )
    return (
        "How to report:\n"
        f"- On the web: {portal}\n"
        f"- Or by e-mail to {intake_address()} from your account's address: the category code and the "
        "order number in the subject, for example '[expired_goods] order O-1001'; the problem in the text; "
        f"photos (JPEG, PNG, WebP), PDFs or text chat logs attached, at most {limit} MB each.\n"
        "- To add material to a report you made: reply to our e-mail about it.\n\n"
        f"Categories:\n{_categories(rulebook, 'en')}"
    )


def help_reply(reason: str, subject: str, rulebook: Rulebook, **fields: str) -> tuple[str, str]:
    """Return (subject, body) of the answer to mail that could not be acted on: why, and how to report."""
    zh, en = REASONS[reason]
    shown = subject or "(无主题 / no subject)"
    body = (
        f"您好！\n\n我们收到了您的邮件（主题：{shown}），但未能处理。\n{zh.format(**fields)}\n\n"
        f"{_how_to(rulebook, 'zh')}"
        "\n\n----\n\n"
        f"Hello,\n\nWe received your message (subject: {shown}) but could not act on it.\n"
        f"{en.format(**fields)}\n\n{_how_to(rulebook, 'en')}\n"
    )
    return f"关于您的邮件 / About your message: {shown}"[:200], body


def _file_lines(names: list[str], rejected: list[dict[str, str]], lang: str) -> str:
    lines = [f"· {n}" if lang == "zh" else f"- {n}" for n in names]
    if rejected:
        lines.append("以下附件未被接受：" if lang == "zh" else "These attachments were not accepted:")
        lines += [f"  {r['file']}: {r['message']}" for r in rejected]
    return "\n".join(lines)


def added_reply(
    ref: str, names: list[str], rejected: list[dict[str, str]], language: str, path: str
) -> tuple[str, str]:
    """Return (subject, body) confirming what a mail added to case `ref` and listing refused files.

    `language` is "zh-hans", "en" or "bilingual" (merchants).
    """
    link = f"{settings.PLAINT_BASE_URL}{path}"
    zh = (
        f"已将您邮件中的以下材料加入举报 {ref}：\n{_file_lines(names, rejected, 'zh')}\n\n查看案件：{link}\n",
        f"材料已加入举报 {ref}",
    )
    en = (
        f"We added these from your message to report {ref}:\n{_file_lines(names, rejected, 'en')}\n\n"
        f"See the case: {link}\n",
        f"Added to report {ref}",
    )
    if language == "bilingual":
        return f"{zh[1]} / {en[1]}", f"{zh[0]}\n----\n\n{en[0]}"
    body, subject = en if language.startswith("en") else zh
    return subject, body


def rejected_reply(ref: str, rejected: list[dict[str, str]], language: str, path: str) -> tuple[str, str]:
    """Return (subject, body) telling a reporter which attachments of their report mail were refused."""
    link = f"{settings.PLAINT_BASE_URL}{path}"
    lines = "\n".join(f"  {r['file']}: {r['message']}" for r in rejected)
    if language.startswith("en"):
        return (
            f"Some attachments of report {ref} were not accepted",
            f"Report {ref} was filed, but these attachments were not accepted:\n{lines}\n\n"
            f"Reply to this e-mail with the files again, or add them on the web: {link}\n",
        )
    return (
        f"举报 {ref} 的部分附件未被接受",
        f"举报 {ref} 已提交，但以下附件未被接受：\n{lines}\n\n请回复本邮件重新附上，或在网页上补充：{link}\n",
    )


def open_case_reply(ref: str, subject: str, language: str, path: str) -> tuple[str, str]:
    """Return (subject, body) of the answer to intake mail about a matter still open in case `ref`.

    It says nothing was added and where to write instead: a reply to the case's e-mails (this one too),
    whose address is the reporter's own, or the case's page.
    """
    link = f"{settings.PLAINT_BASE_URL}{path}"
    shown = subject or "(no subject)"
    if language.startswith("en"):
        return (
            f"Report {ref} is still open: reply to its e-mails",
            f"We received your message (subject: {shown}) at {intake_address()}, the address for new "
            f"reports. Your report {ref} about this order and matter is still open, so nothing from this "
            "message was added to it.\n\n"
            f"To add photos or text to report {ref}, reply to this e-mail or to any of our e-mails about "
            f"it: they come with the report's own reply address. Or add them on the web: {link}\n",
        )
    shown = subject or "（无主题）"
    return (
        f"举报 {ref} 仍在处理中：请回复该举报的邮件",
        f"我们在新举报地址 {intake_address()} 收到了您的邮件（主题：{shown}）。您就该订单的同类举报 {ref} "
        "仍在处理中，因此这封邮件的内容没有加入该举报。\n\n"
        f"如需为举报 {ref} 补充照片或文字，请直接回复本邮件或我们关于该举报的任何邮件"
        f"（它们带有该举报专用的回复地址），或在网页上补充：{link}\n",
    )


def confirm_request(
    subject: str, received_at: datetime, expires_at: datetime, link: str, language: str
) -> tuple[str, str]:
    """Return (subject, body) asking the account's owner to confirm a report mailed from their address.

    The mail is filed only if they follow `link` before `expires_at`; otherwise it is deleted.
    """
    received = timezone.localtime(received_at).strftime("%Y-%m-%d %H:%M")
    until = timezone.localtime(expires_at).strftime("%Y-%m-%d %H:%M")
    if language.startswith("en"):
        shown = subject or "(no subject)"
        return (
            "Confirm the report you sent by e-mail",
            f"We received a report by e-mail from this address on {received} (subject: {shown}).\n\n"
            "This address has not been confirmed with your marketplace account, so the report is kept "
            f"but not filed yet. To file it, open this link by {until} and confirm:\n{link}\n\n"
            "If you did not send it, ignore this e-mail: nothing will be filed, and the message will be "
            "deleted then.\n",
        )
    shown = subject or "（无主题）"
    return (
        "请确认您通过邮件提交的举报",
        f"我们于 {received} 收到了从本邮箱发出的一封举报邮件（主题：{shown}）。\n\n"
        "该邮箱尚未在您的平台账户中验证，因此举报已保存，但尚未提交。"
        f"如确认提交，请在 {until} 前打开以下链接并确认：\n{link}\n\n"
        "如果这封邮件不是您发送的，请忽略本邮件：举报不会被提交，邮件届时将被删除。\n",
    )
