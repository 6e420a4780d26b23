"""The e-mails the parties get at each step of a case, in their language.

Consumers get their own language; merchants (overseas sellers) get Chinese and English together.
"""

from django.conf import settings

# event -> (subject, body) per language; {ref}, {link} and the event's own fields are filled in.
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "received": {
        "zh": ("举报 {ref} 已收到", "您的举报 {ref} 已收到。\n{outcome}"),
        "en": ("We received your report {ref}", "We received your report {ref}.\n{outcome}"),
    },
    "to_answer": {
        "zh": ("新举报 {ref} 待答复", "您的店铺收到举报 {ref}（{category}），请在 {due} 前答复。"),
        "en": ("New report {ref} to answer", "Your shop has a report {ref} ({category}). Please answer by {due}."),
    },
    "answered": {
        "zh": ("商家已答复举报 {ref}", "商家已答复您的举报 {ref}：{answer}"),
        "en": ("The merchant answered report {ref}", "The merchant answered your report {ref}: {answer}"),
    },
    "decided": {
        "zh": ("举报 {ref} 已有决定", "举报 {ref} 的决定：{outcome}。\n\n{statement}"),
        "en": ("Report {ref} has been decided", "The decision on report {ref}: {outcome}.\n\n{statement}"),
    },
    "resolved": {
        "zh": ("举报 {ref} 已由商家解决", "商家已同意补救（{remedy}），举报 {ref} 已解决。"),
        "en": (
            "Report {ref} resolved by the merchant",
            "The merchant accepted the remedy ({remedy}); report {ref} is resolved.",
        ),
    },
    "withdrawn": {
        "zh": ("举报 {ref} 已撤回", "举报 {ref} 已由举报人撤回。"),
        "en": ("Report {ref} withdrawn", "The reporter withdrew report {ref}."),
    },
}


def compose(event: str, language: str, **fields: str | dict[str, str]) -> tuple[str, str]:
    """Return (subject, body) of an event's e-mail; language "bilingual" gives Chinese then English.

    A field may be {"zh": ..., "en": ...} to differ by language.
    """
    link = f"{settings.PLAINT_BASE_URL}/api/cases/{fields['ref']}"
    if language == "bilingual":
        zh_subject, zh_body = compose(event, "zh-hans", **fields)
        en_subject, en_body = compose(event, "en", **fields)
        return f"{zh_subject} / {en_subject}", f"{zh_body}\n\n----\n\n{en_body}"
    lang = "en" if language.startswith("en") else "zh"
    subject, body = TEXTS[event][lang]
    fields = {key: value[lang] if isinstance(value, dict) else value for key, value in fields.items()}
    footer = "查看案件：" if lang == "zh" else "See the case: "
    return subject.format(**fields), body.format(**fields) + f"\n\n{footer}{link}\n"
