"""Case A for the dossier tests: expired skincare with two photos, contested by the merchant, upheld."""

import io
from datetime import timedelta

from django.utils import timezone
from PIL import Image

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from tests import factories as f


def photo_with_location(color: str, taken: str) -> bytes:
    """Return a JPEG as a phone writes it: the capture time and where it was taken (GPS)."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (31.0, 13.0, 50.0), "E", (121.0, 28.0, 10.0)
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def case_a(*, decided: bool = True) -> dict:
    """Return Case A and the people around it; the consumer's phone and e-mail are in its description too."""
    shop = f.merchant(
        "M-TOKYO",
        name="Tokyo Beauty 東京美妝 Global Store",
        registered_name="Tokyo Beauty Trading Co., Ltd. 东京美妆贸易株式会社",
        registered_address="2-1-1 Ginza, Chuo-ku, Tokyo 104-0061, Japan",
        registration_number="JP-0100-01-234567",
    )
    order = f.order(shop, "C-1001", external_id="O-A-1001", delivered_at=timezone.now() - timedelta(days=3))
    consumer = f.consumer_user("C-1001")
    merchant = f.user(Role.MERCHANT, "tokyo-staff", merchant=shop)
    reviewer = f.user(Role.REVIEWER, "reviewer-wang")
    case = actions.file_report(
        consumer,
        ReportIn(
            target_type="order",
            target_id=order.external_id,
            category="expired_goods",
            description="收到的面霜已经过期（瓶底日期 2026-09-30）。请联系我 13800000000 或 c-1001@example.cn",
            remedy_wanted="refund",
        ),
        [
            Upload("damage.jpg", photo_with_location("#b08968", "2026:11:20 10:15:00"), "photo_of_packaging"),
            Upload(
                "expiry.jpg", f.jpeg("#eeeeee", (320, 240), exif_time="2026:11:20 10:16:30"), "photo_of_expiry_date"
            ),
        ],
    ).case
    if decided:
        actions.respond_as_merchant(merchant, case, ResponseIn(kind="contest", explanation="发货时未过期。"))
        actions.claim_case(reviewer, case)
        actions.decide_case(
            reviewer,
            case,
            DecisionIn(
                outcome="upheld",
                reason_codes=["violation_established"],
                statement="保质期实拍图显示商品已过期；商家未提供发货时在保质期内的证明。",
            ),
        )
    case.refresh_from_db()
    return {"case": case, "consumer": consumer, "merchant": merchant, "reviewer": reviewer, "shop": shop}
