"""The demo marketplace: overseas merchants, listings, orders, consumers, a user for every role, and
reports in several states. Loaded by `make demo` through the same actions the API uses."""

import io
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from PIL import Image

from plaint import demo_statements
from plaint.accounts.models import ApiToken, Role, User
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.marketplace.actions import upsert_listing, upsert_merchant, upsert_order
from plaint.marketplace.inputs import ListingIn, MerchantIn, OrderIn
from plaint.marketplace.models import Consumer, Merchant
from plaint.reporters.flaggers import register_flagger
from plaint.rulebook import loader

PASSWORD = "plaint-demo"

MERCHANTS = [
    {
        "id": "M-TOKYO",
        "name": "Tokyo Beauty 東京美妝海外旗舰店",
        "country": "JP",
        "contact_email": "cs@tokyo-beauty.example",
        "group": "Tokyo Trading Group",
        "registered_name": "Tokyo Beauty Trading Co., Ltd. 东京美妆贸易株式会社",
        "registered_address": "2-1-1 Ginza, Chuo-ku, Tokyo 104-0061, Japan 日本东京都中央区银座2-1-1",
        "registration_number": "JP-0100-01-234567",
    },
    {
        "id": "M-SEOUL",
        "name": "Seoul Health 首尔健康海外专营店",
        "country": "KR",
        "contact_email": "help@seoul-health.example",
        "registered_name": "Seoul Health Co., Ltd. 首尔健康株式会社",
        "registered_address": "123 Teheran-ro, Gangnam-gu, Seoul 06133, Korea 韩国首尔江南区德黑兰路123号",
        "registration_number": "KR-220-81-12345",
    },
    {
        "id": "M-SYDNEY",
        "name": "Sydney Naturals 悉尼自然海外旗舰店",
        "country": "AU",
        "contact_email": "care@sydney-naturals.example",
        "registered_name": "Sydney Naturals Pty Ltd 悉尼自然有限公司",
        "registered_address": "1 George Street, Sydney NSW 2000, Australia 澳大利亚悉尼乔治街1号",
        "registration_number": "ABN 12 345 678 901",
    },
    {
        "id": "M-BERLIN",
        "name": "Berlin Küche 柏林厨具海外店",
        "country": "DE",
        "contact_email": "service@berlin-kueche.example",
        "registered_name": "Berlin Küche GmbH 柏林厨具有限公司",
        "registered_address": "Friedrichstraße 1, 10117 Berlin, Germany 德国柏林弗里德里希大街1号",
        "registration_number": "HRB 123456 B",
    },
]

LISTINGS = [
    {
        "id": "L-CREAM",
        "merchant_id": "M-TOKYO",
        "title": "日本进口 保湿面霜 50g Moisturising cream",
        "brand": "Hanami Skin",
        "origin_country": "JP",
        "customs_declaration_no": "531620261000012345",
        "batch": "TB-2026-03",
        "expiry_date": "2026-09-30",
    },
    {
        "id": "L-SUNSCREEN",
        "merchant_id": "M-TOKYO",
        "title": "日本进口 防晒乳 SPF50+ 60ml Sunscreen",
        "origin_country": "JP",
        "customs_declaration_no": "531620261000012346",
        "batch": "TB-2026-05",
        "expiry_date": "2028-04-30",
    },
    {
        "id": "L-FISHOIL",
        "merchant_id": "M-SEOUL",
        "title": "韩国进口 深海鱼油软胶囊 90粒 Omega-3 fish oil",
        "origin_country": "KR",
        "customs_declaration_no": "221620261000098765",
        "batch": "SH-0911",
        "expiry_date": "2027-12-31",
    },
    {
        "id": "L-FORMULA",
        "merchant_id": "M-SYDNEY",
        "title": "澳洲进口 婴儿配方奶粉 3段 900g Infant formula",
        "origin_country": "AU",
        "customs_declaration_no": "223320261000055501",
        "batch": "SN-A77",
        "expiry_date": "2027-06-01",
    },
    {
        "id": "L-KNIFE",
        "merchant_id": "M-BERLIN",
        "title": "德国进口 不锈钢厨师刀 20cm Chef's knife",
        "origin_country": "DE",
        "customs_declaration_no": "531620261000077701",
        "batch": "BK-2026-1",
    },
]

# Li Na's and Wang Wei's addresses are verified by the marketplace, so their reports by e-mail file at
# once; Emily Chen's is not, so hers are held until she follows the link printed to the console.
CONSUMERS = [
    {
        "id": "C-1001",
        "name": "李娜",
        "email": "li.na@example.cn",
        "email_verified": True,
        "phone": "13800001001",
        "language": "zh-hans",
    },
    {
        "id": "C-1002",
        "name": "王伟",
        "email": "wang.wei@example.cn",
        "email_verified": True,
        "phone": "13800001002",
        "language": "zh-hans",
    },
    {"id": "C-1003", "name": "Emily Chen", "email": "emily.chen@example.com", "phone": "13800001003", "language": "en"},
]

# Demo API tokens, printed on the sign-in page and in the README; never use fixed tokens in production.
STAFF = [
    ("reviewer", Role.REVIEWER, None),
    ("supervisor", Role.SUPERVISOR, None),
    ("agent", Role.AGENT, None),
    ("admin", Role.ADMIN, None),
    ("marketplace", Role.MARKETPLACE, None),
    ("secretary", Role.SECRETARY, None),
    ("merchant-tokyo", Role.MERCHANT, "M-TOKYO"),
    ("merchant-seoul", Role.MERCHANT, "M-SEOUL"),
    ("merchant-sydney", Role.MERCHANT, "M-SYDNEY"),
    ("merchant-berlin", Role.MERCHANT, "M-BERLIN"),
]

# The independent committee: four members per seat, experts covering the demo's categories; one
# consumer representative declared a tie to Tokyo Beauty and is never drawn for its cases.
# (username, name, seat, expert fields, declared conflict)
COMMITTEE = [
    ("committee-zhou", "周敏 Zhou Min", "consumer_rep", [], ("merchant", "M-TOKYO", "曾任该店铺顾问 Former adviser")),
    ("committee-he", "何静 He Jing", "consumer_rep", [], None),
    ("committee-sun", "孙丽 Sun Li", "consumer_rep", [], None),
    ("committee-guo", "郭强 Guo Qiang", "consumer_rep", [], None),
    (
        "committee-lin",
        "林医生 Dr Lin",
        "expert",
        [
            "expired_goods",
            "product_quality",
            "damaged_on_arrival",
            "late_shipment",
            "delivery_failure",
            "after_sales_refusal",
            "installation_service",
        ],
        None,
    ),
    (
        "committee-ma",
        "马博士 Dr Ma",
        "expert",
        [
            "counterfeit",
            "not_as_described",
            "product_quality",
            "broken_promise",
            "price_protection",
            "invoice_problem",
            "false_advertising",
        ],
        None,
    ),
    (
        "committee-xu",
        "徐工 Xu Gong",
        "expert",
        [
            "damaged_on_arrival",
            "not_as_described",
            "expired_goods",
            "delivery_failure",
            "installation_service",
            "late_shipment",
            "service_attitude",
        ],
        None,
    ),
    (
        "committee-tang",
        "唐教授 Prof. Tang",
        "expert",
        [
            "counterfeit",
            "expired_goods",
            "product_quality",
            "after_sales_refusal",
            "broken_promise",
            "invoice_problem",
            "price_protection",
            "prohibited_sales",
            "customs_and_tariff",
        ],
        None,
    ),
    ("committee-liang", "梁律师 Liang", "lawyer", [], None),
    ("committee-song", "宋律师 Song", "lawyer", [], None),
    ("committee-feng", "冯律师 Feng", "lawyer", [], None),
    ("committee-deng", "邓律师 Deng", "lawyer", [], None),
]


def _committee() -> None:
    from plaint.committee.actions import MemberIn, add_member, declare_conflict

    today = timezone.localdate()
    for username, name, seat, fields, conflict in COMMITTEE:
        user = _user(username, Role.COMMITTEE)
        member = add_member(
            user, MemberIn(name, seat, today - timedelta(days=90), today + timedelta(days=640), list(fields), 3)
        )
        if conflict:
            declare_conflict(member, *conflict)


def _appeals(users: dict[str, User], report: Callable[..., Case], penalised: Case) -> None:
    """Appeals in each state the rulebook in force allows.

    Under a version without [appeals] (version 1) only the merchant's penalty appeal exists: Tokyo's
    is pending. From version 2 the consumer appeals too; from version 3 (7 December 2026) the committee
    decides: one appeal in the other party's answer window, one with a panel voting, one decided by a
    panel with a dissent (and the Tokyo penalty appeal, awaiting its decision).
    """
    from plaint.cases.actions.appeals import file_appeal
    from plaint.committee.models import Panel
    from plaint.committee.votes import cast_vote

    rulebook = loader.in_force(timezone.now())
    penalised.refresh_from_db()
    file_appeal(
        users["merchant-tokyo"],
        penalised,
        "penalty",
        "发货时商品在保质期内，物流延误导致过期，请求撤销扣分。The cream was in date when shipped.",
    )
    if rulebook.appeals is None:
        return

    def not_upheld(who: str, order: str, merchant: str, text: str, photo: str) -> Case:
        case = report(
            who,
            order,
            "not_as_described",
            text,
            files=[Upload("p.jpg", _photo(photo, "2026:11:25 09:00:00"), "photo_of_product")],
        )
        actions.respond_as_merchant(
            users[merchant], case, ResponseIn(kind="contest", explanation="商品与页面描述一致。")
        )
        actions.claim_case(users["reviewer"], case)
        actions.decide_case(
            users["reviewer"],
            case,
            DecisionIn(
                outcome="not_upheld", reason_codes=["insufficient_evidence"], statement="照片未能显示商品与描述不符。"
            ),
        )
        case.refresh_from_db()
        return case

    # In the answer window: Wang Wei appeals; Tokyo has not answered yet.
    waiting = not_upheld("C-1002", "O-2026-1008", "merchant-tokyo", "防晒乳颜色与页面图片完全不同。", "#fefae0")
    file_appeal(users["C-1002"], waiting, "outcome", "页面写的是白色乳液，收到的是黄色膏体；新照片对比了页面截图。")
    # Heard by a panel now voting (Case B): Li Na appeals with a new photo of the label; Seoul answers.
    heard = not_upheld(
        "C-1001", "O-2026-1009", "merchant-seoul", "鱼油胶囊与页面描述不符，颜色和气味都不一样。", "#ccd5ae"
    )
    appeal = file_appeal(
        users["C-1001"],
        heard,
        "outcome",
        "标签照片显示含量只有页面所写的一半。The label shows half the stated omega-3.",
        [Upload("label.jpg", _photo("#e9edc9", "2026:11:26 10:00:00"), "photo_of_product")],
    ).appeal
    actions.answer_appeal(users["merchant-seoul"], appeal, "批次不同，含量以包装为准。")
    # Decided by a panel, two to one: Emily Chen's knife.
    knife = not_upheld(
        "C-1003", "O-2026-1010", "merchant-berlin", "The knife is not the forged steel the page promised.", "#adb5bd"
    )
    appeal = file_appeal(
        users["C-1003"], knife, "outcome", "The stamp on the blade says 'stamped', the page says 'forged'."
    ).appeal
    actions.answer_appeal(users["merchant-berlin"], appeal, "Both are our forged line; the stamp is the factory's.")
    panel = Panel.objects.filter(subject=f"appeal:{appeal.pk}", state="voting").first()
    if panel is not None:
        seats = list(panel.seats.order_by("position").select_related("member__user"))
        votes = ["overturn", "overturn", "confirm"] + ["overturn"] * (len(seats) - 3)
        for seat, choice in zip(seats, votes, strict=False):
            reasons = (
                "The blade's own stamp contradicts the listing; the consumer was misled."
                if choice == "overturn"
                else "Forged and stamped can be the same steel; the listing is not clearly false."
            )
            cast_vote(seat.member.user, panel.pk, choice, reasons)


def _photo(color: str, taken: str) -> bytes:
    image = Image.new("RGB", (320, 240), color)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=85)
    return buffer.getvalue()


def _order(
    order_id: str, consumer: dict, listing_id: str, merchant_id: str, amount: str, tariff: str, delivered_days_ago: int
) -> None:
    now = timezone.now()
    delivered = now - timedelta(days=delivered_days_ago)
    upsert_order(
        OrderIn(
            id=order_id,
            consumer=consumer,
            merchant_id=merchant_id,
            amount_paid=Decimal(amount),
            tariff_paid=Decimal(tariff),
            paid_at=delivered - timedelta(days=7),
            shipped_at=delivered - timedelta(days=6),
            delivered_at=delivered,
            items=[
                {
                    "listing_id": listing_id,
                    "title": next(x["title"] for x in LISTINGS if x["id"] == listing_id),
                    "unit_price": amount,
                }
            ],
        )
    )


def _user(username: str, role: str, **links: object) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, **links)
    ApiToken.issue(user, name="demo", key=f"demo-{username}")
    return user


def already_loaded() -> bool:
    return Merchant.objects.filter(external_id="M-TOKYO").exists()


@transaction.atomic
def load() -> None:
    """Load the demo marketplace and its cases. Call once on an empty database."""
    for merchant in MERCHANTS:
        upsert_merchant(MerchantIn(**merchant))
    for listing in LISTINGS:
        upsert_listing(ListingIn(**listing))
    li, wang, emily = CONSUMERS
    _order("O-2026-1001", li, "L-CREAM", "M-TOKYO", "389.00", "35.79", 4)
    _order("O-2026-1002", wang, "L-FISHOIL", "M-SEOUL", "268.00", "24.66", 6)
    _order("O-2026-1003", emily, "L-FORMULA", "M-SYDNEY", "456.00", "41.95", 10)
    _order("O-2026-1004", li, "L-SUNSCREEN", "M-TOKYO", "199.00", "18.31", 120)
    _order("O-2026-1005", wang, "L-CREAM", "M-TOKYO", "389.00", "35.79", 8)
    _order("O-2026-1006", emily, "L-KNIFE", "M-BERLIN", "899.00", "82.71", 2)
    _order("O-2026-1007", li, "L-FISHOIL", "M-SEOUL", "268.00", "24.66", 3)
    # The appeals' cases (see _appeals).
    _order("O-2026-1008", wang, "L-SUNSCREEN", "M-TOKYO", "199.00", "18.31", 5)
    _order("O-2026-1009", li, "L-FISHOIL", "M-SEOUL", "268.00", "24.66", 5)
    _order("O-2026-1010", emily, "L-KNIFE", "M-BERLIN", "899.00", "82.71", 5)

    users: dict[str, User] = {}
    for consumer in CONSUMERS:
        users[consumer["id"]] = _user(
            f"consumer-{consumer['id'].lower()}",
            Role.CONSUMER,
            consumer=Consumer.objects.get(external_id=consumer["id"]),
            language=consumer["language"],
        )
    for username, role, merchant_id in STAFF:
        merchant = Merchant.objects.get(external_id=merchant_id) if merchant_id else None
        users[username] = _user(
            username, role, merchant=merchant, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN
        )
    # A trusted flagger (DSA art. 22, docs/screening.md): a consumer association filing with token demo-flagger.
    association = register_flagger("上海市消费者权益保护委员会 (demo)", "consumer_association")
    users["flagger"] = _user("flagger", Role.TRUSTED_FLAGGER, flagger=association)

    def report(
        who: str, order: str, category: str, text: str, remedy: str = "refund", files: list[Upload] = ()
    ) -> object:
        return actions.file_report(
            users[who],
            ReportIn(target_type="order", target_id=order, category=category, description=text, remedy_wanted=remedy),
            list(files),
        ).case

    # Awaiting the merchant: expired, damaged skincare (the seed article's consumer A).
    report(
        "C-1001",
        "O-2026-1001",
        "expired_goods",
        "收到的面霜外包装破损，而且已经过期（瓶底日期 2026-09-30）。"
        "The cream arrived with a broken box and past its expiry date.",
        files=[
            Upload("damage.jpg", _photo("#b08968", "2026:11:20 10:15:00"), "photo_of_packaging"),
            Upload("expiry.jpg", _photo("#eeeeee", "2026:11:20 10:16:30"), "photo_of_expiry_date"),
        ],
    )
    # Needs evidence: the supplement that "does not match" (consumer B), with nothing attached.
    report(
        "C-1002", "O-2026-1002", "not_as_described", "鱼油胶囊与页面描述不符，颜色和气味都不一样。", "return_and_refund"
    )
    # Inadmissible: a quality report 120 days after delivery.
    report(
        "C-1001",
        "O-2026-1004",
        "product_quality",
        "防晒乳用了以后皮肤过敏。",
        files=[Upload("rash.jpg", _photo("#f4a261", "2026:11:18 08:00:00"), "photo_of_product")],
    )
    # Contested, waiting in the review queue.
    contested = report(
        "C-1003",
        "O-2026-1003",
        "counterfeit",
        "The formula tin has a different batch code font and no Chinese label; I suspect it is not genuine.",
        files=[Upload("tin.jpg", _photo("#e9c46a", "2026:11:15 19:02:00"), "photo_of_product")],
    )
    actions.respond_as_merchant(
        users["merchant-sydney"],
        contested,
        ResponseIn(
            kind="contest",
            explanation="All stock is imported through bonded warehouse; customs documents attached on request.",
        ),
    )
    # Decided: upheld after the merchant contested.
    decided = report(
        "C-1002",
        "O-2026-1005",
        "expired_goods",
        "面霜已过期。",
        files=[Upload("expired.jpg", _photo("#ffffff", "2026:11:17 12:00:00"), "photo_of_expiry_date")],
    )
    actions.respond_as_merchant(
        users["merchant-tokyo"], decided, ResponseIn(kind="contest", explanation="发货时未过期。")
    )
    actions.claim_case(users["reviewer"], decided)
    actions.decide_case(
        users["reviewer"],
        decided,
        DecisionIn(
            outcome="upheld",
            reason_codes=["violation_established"],
            statement="保质期实拍图显示商品已过期，签收时已过期；商家未提供发货时在保质期内的证明。",
        ),
    )
    # Resolved: the merchant accepted the remedy.
    resolved = report(
        "C-1001",
        "O-2026-1007",
        "damaged_on_arrival",
        "鱼油瓶子到货时碎了。",
        files=[Upload("broken.jpg", _photo("#264653", "2026:11:12 18:30:00"), "photo_of_damage")],
    )
    actions.respond_as_merchant(
        users["merchant-seoul"], resolved, ResponseIn(kind="accept", explanation="非常抱歉，已同意全额退款。")
    )
    _committee()
    _appeals(users, report, decided)
    # The reviewers' statement templates, one wording per category in each language.
    demo_statements.seed()
