"""Personal data written in text is masked in what the merchant and the panels read: addresses too, and
text evidence (a chat log) in the copy the other party downloads, while the reporter keeps the original."""

from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases.masking import ADDRESS, mask_text
from tests import factories as f
from tests.api_client import ApiClient


@pytest.mark.parametrize(
    ("text", "kept", "hidden"),
    [
        ("寄到上海市浦东新区张杨路500号3栋201室了", "上海市浦东新区", "张杨路500号"),
        ("收货地址：广东省深圳市南山区科技园南路18号", "广东省深圳市南山区", "科技园南路18号"),
        ("北京市朝阳区阳光花园3栋2单元501室", "北京市朝阳区", "阳光花园3栋"),
        ("Send it to Flat 3, 221B Baker Street, London", "London", "221B Baker Street"),
        ("I live at 12 Main St. in Springfield", "Springfield", "12 Main St"),
    ],
)
def test_street_addresses_are_masked_from_the_street_on(text, kept, hidden):
    masked = mask_text(text)
    assert ADDRESS in masked
    assert kept in masked
    assert hidden not in masked


@pytest.mark.parametrize("text", ["南京路上的店卖的东西不好", "订单号O-123，买了2件，第3天到货"])
def test_a_street_name_or_a_count_without_a_house_number_is_not_an_address(text):
    assert mask_text(text) == text


CHAT = "客服：请提供地址\n我：上海市浦东新区张杨路500号3栋201室，电话 138 0013 8000，李娜\n".encode()
CHAT_GB = "我的邮箱 lina@example.com 地址 北京市朝阳区建国路88号".encode("gb18030")


@pytest.fixture
def chat_case(db):
    shop = f.merchant("M-P")
    f.order(shop, "C-P", external_id="O-P1", delivered_at=timezone.now() - timedelta(days=2))
    consumer = ApiClient(f.token(f.consumer_user("C-P")))
    merchant = ApiClient(f.token(f.user(Role.MERCHANT, merchant=shop)))
    filed = consumer.post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": "O-P1",
            "category": "product_quality",
            "description": "面霜有异味，寄回上海市浦东新区张杨路500号",
            "remedy_wanted": "refund",
        },
        files=[
            ("chat.txt", CHAT, "chat_log"),
            ("gb.txt", CHAT_GB, "chat_log"),
            ("p.jpg", f.jpeg(), "photo_of_product"),
        ],
    )
    assert filed.status_code == 201, filed.content
    body = filed.json()
    urls = {e["file_name"]: e["url"].removeprefix("/api") for e in body["evidence"]}
    return consumer, merchant, body["reference"], urls


def test_a_chat_log_is_masked_for_the_merchant_and_whole_for_the_reporter(chat_case):
    consumer, merchant, reference, urls = chat_case
    own = b"".join(consumer.get(urls["chat.txt"]).streaming_content)
    assert own == CHAT
    theirs = b"".join(merchant.get(urls["chat.txt"]).streaming_content).decode()
    assert "138 0013 8000" not in theirs and "张杨路500号" not in theirs and "李娜" not in theirs
    assert "[电话/phone]" in theirs and ADDRESS in theirs and "李*" in theirs
    assert "上海市浦东新区" in theirs
    # A GB 18030 log is read in its own encoding and handed over masked, as UTF-8.
    gb = b"".join(merchant.get(urls["gb.txt"]).streaming_content).decode()
    assert "lina@example.com" not in gb and "建国路88号" not in gb and "[邮箱/e-mail]" in gb


def test_the_description_the_merchant_reads_has_the_address_masked(chat_case):
    consumer, merchant, reference, urls = chat_case
    assert "张杨路500号" in consumer.get(f"/cases/{reference}").json()["report"]["description"]
    description = merchant.get(f"/cases/{reference}").json()["report"]["description"]
    assert "张杨路500号" not in description and ADDRESS in description
