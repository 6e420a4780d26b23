"""Cases of a consumer in several situations: withdrawn, decided, decided and appealed."""

import pytest

from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.evidence.actions import Upload
from tests import factories as f
from tests.appeals.conftest import decided, world  # noqa: F401  (the fixture and its helper)

CHAT = "客服说会退款。我的电话 13912345678，地址 上海市浦东新区张杨路500号".encode()


def withdrawn(world, description: str = "面霜过期了，电话 13912345678") -> object:  # noqa: F811
    """File an order report with a photo and a chat log, post a message, withdraw it; return the case."""
    from datetime import timedelta

    from django.utils import timezone

    order = f.order(world["shop"], "C1", delivered_at=timezone.now() - timedelta(days=1))
    data = ReportIn(target_type="order", target_id=order.external_id, category="expired_goods", description=description)
    case = actions.file_report(
        world["consumer"],
        data,
        [Upload("p.jpg", f.jpeg("green"), "photo_of_expiry_date"), Upload("chat.txt", CHAT, "chat_log")],
    ).case
    case.refresh_from_db()
    actions.post_message(world["consumer"], case, "请联系我 13912345678")
    actions.withdraw_report(world["consumer"], case, "已和商家私下解决，住址张杨路500号")
    case.refresh_from_db()
    return case


@pytest.fixture
def cases(world):  # noqa: F811
    """A withdrawn case, a decided case the consumer appealed (undecided), a decided case to hold."""
    plain = withdrawn(world)
    appealed = decided(world, "not_upheld")
    actions.file_appeal(world["consumer"], appealed, "outcome", "商家卖的是假货，请复查。电话 13912345678")
    held = decided(world, "not_upheld")
    return {"plain": plain, "appealed": appealed, "held": held}
