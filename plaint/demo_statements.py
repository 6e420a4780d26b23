"""The demo's statement templates: one wording per rulebook category in Chinese and English, plus
an "insufficient evidence" wording for each. Staff edit them in the Django admin afterwards."""

from django.utils import timezone

from plaint.cases.models import StatementTemplate
from plaint.rulebook import loader

# category: (zh title, zh body, en title, en body)
WORDINGS: dict[str, tuple[str, str, str, str]] = {
    "product_quality": (
        "质量问题成立",
        "消费者就订单 {order}（{listing}）反映的商品质量问题，提供了商品实拍图。经审查，实拍图显示的问题"
        "在签收（{delivered}）后的举报时限内提出，商家未能证明商品出厂时合格。依据《{category}》规则"
        "（第 {rule_version} 版），认定举报成立。",
        "Quality problem established",
        "The consumer reported a quality problem with order {order} ({listing}) and supplied photos of the "
        "product. The photos show the defect; the report was made within the window after delivery on "
        "{delivered}, and the merchant did not show that the goods were sound when shipped. Under the "
        "'{category}' rule (rulebook version {rule_version}) the report is upheld.",
    ),
    "counterfeit": (
        "假冒商品成立",
        "消费者认为订单 {order}（{listing}）的商品并非正品，并提供了商品及包装实拍图。商家（{merchant}）"
        "未能提供完整的进货及报关凭证证明来源合法。依据《{category}》规则（第 {rule_version} 版），认定举报成立。",
        "Counterfeit established",
        "The consumer believes the goods of order {order} ({listing}) are not genuine and supplied photos of "
        "the product and its packaging. The merchant ({merchant}) did not supply purchase and customs "
        "documents proving a lawful source. Under the '{category}' rule (rulebook version {rule_version}) "
        "the report is upheld.",
    ),
    "expired_goods": (
        "过期商品成立",
        "消费者提供的保质期实拍图显示，订单 {order}（{listing}）的商品在签收日 {delivered} 时已超过保质期；"
        "商家（{merchant}）的材料不足以证明发货时该批次仍在保质期内。依据《{category}》规则（第 {rule_version} 版），"
        "认定举报成立。",
        "Expired goods established",
        "The consumer's photo of the expiry date shows that the goods of order {order} ({listing}) were past "
        "their expiry date when delivered on {delivered}; what the merchant ({merchant}) supplied does not "
        "show that the batch was within its shelf life when shipped. Under the '{category}' rule (rulebook version "
        "{rule_version}) the report is upheld.",
    ),
    "damaged_on_arrival": (
        "到货破损成立",
        "消费者在签收（{delivered}）后及时提供了订单 {order} 商品的破损实拍图，破损情况清楚可见。商家未能证明"
        "破损发生在签收之后。依据《{category}》规则（第 {rule_version} 版），认定举报成立。",
        "Damage on arrival established",
        "Soon after delivery on {delivered}, the consumer supplied clear photos of the damage to the goods of "
        "order {order}. The merchant did not show that the damage happened after delivery. Under the "
        "'{category}' rule (rulebook version {rule_version}) the report is upheld.",
    ),
    "not_as_described": (
        "描述不符成立",
        "消费者提供的实拍图与商品页面（{listing}）的描述存在明显差异。商家（{merchant}）未能说明差异的合理原因。"
        "依据《{category}》规则（第 {rule_version} 版），认定举报成立。",
        "Not as described established",
        "The consumer's photos differ clearly from the description on the listing ({listing}). The merchant "
        "({merchant}) gave no acceptable reason for the difference. Under the '{category}' rule (rulebook "
        "version {rule_version}) the report is upheld.",
    ),
    "false_advertising": (
        "虚假宣传成立",
        "消费者提供的宣传页面截图显示，商品页面（{listing}）作出了商家（{merchant}）无法证明的功效或资质宣传。"
        "依据《{category}》规则（第 {rule_version} 版），认定举报成立。",
        "False advertising established",
        "The consumer's screenshots show claims on the listing ({listing}) about effects or certificates that "
        "the merchant ({merchant}) could not substantiate. Under the '{category}' rule (rulebook version "
        "{rule_version}) the report is upheld.",
    ),
    "service_attitude": (
        "服务态度问题成立",
        "消费者提供的聊天记录显示，商家（{merchant}）客服在处理订单 {order} 时使用了侮辱性或威胁性的语言。"
        "依据《{category}》规则（第 {rule_version} 版），认定举报成立。",
        "Service attitude problem established",
        "The chat log the consumer supplied shows the merchant's ({merchant}) customer service using insulting "
        "or threatening language about order {order}. Under the '{category}' rule (rulebook version "
        "{rule_version}) the report is upheld.",
    ),
    "prohibited_sales": (
        "违规销售成立",
        "经审查，商家（{merchant}）的商品（{listing}）属于平台禁止或限制销售的商品。依据《{category}》规则"
        "（第 {rule_version} 版），认定举报成立。",
        "Prohibited sale established",
        "On review, the merchant's ({merchant}) listing ({listing}) offers goods the platform prohibits or "
        "restricts. Under the '{category}' rule (rulebook version {rule_version}) the report is upheld.",
    ),
    "customs_and_tariff": (
        "申报或税费问题成立",
        "消费者提供的订单截图显示，订单 {order} 的跨境申报或税费与实际不符，商家（{merchant}）未提供报关/清关凭证"
        "加以说明。依据《{category}》规则（第 {rule_version} 版），认定举报成立。",
        "Declaration or tariff problem established",
        "The consumer's order screenshot shows that the cross-border declaration or tariff of order {order} "
        "does not match what happened, and the merchant ({merchant}) supplied no customs document to explain "
        "it. Under the '{category}' rule (rulebook version {rule_version}) the report is upheld.",
    ),
}

INSUFFICIENT = (
    "证据不足",
    "消费者就订单 {order} 提出的《{category}》举报，未能提供该规则（第 {rule_version} 版）要求的证据，"
    "现有材料不足以认定违规。",
    "Insufficient evidence",
    "The consumer's '{category}' report about order {order} did not come with the evidence that rule "
    "(rulebook version {rule_version}) requires, and what was supplied does not establish a violation.",
)


def seed() -> int:
    """Create the demo's statement templates for every category of the rulebook in force; return how many.

    A category without its own wording gets only the insufficient-evidence template.
    """
    rows = []
    for category in loader.in_force(timezone.now()).categories:
        wordings = [("upheld", WORDINGS.get(category.code)), ("not_upheld", INSUFFICIENT)]
        for outcome, wording in wordings:
            if wording is None:
                continue
            zh_title, zh_body, en_title, en_body = wording
            for language, title, body in (("zh-hans", zh_title, zh_body), ("en", en_title, en_body)):
                rows.append(
                    StatementTemplate(
                        category=category.code, language=language, outcome=outcome, title=title, body=body
                    )
                )
    StatementTemplate.objects.bulk_create(rows)
    return len(rows)
