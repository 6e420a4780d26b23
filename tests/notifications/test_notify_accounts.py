"""Which accounts a step's portal notification reaches: every active account the audience names, once,
in its own language, whether the audience is a plain field = value match (written as SQL directly) or
any other condition (built by the ORM)."""

import pytest
from django.db.models import Q
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.notifications.models import Notification, OutboxMessage
from plaint.notifications.notify import Audience, notify
from tests import factories as f

pytestmark = pytest.mark.django_db

FIELDS = {"ref": "PL-TEST-0001", "outcome": {"zh": "已受理", "en": "Admitted"}}


def told(key: str) -> dict[str, str]:
    return {n.user.username: n.title for n in Notification.objects.filter(key__startswith=f"mail-{key}-")}


@pytest.mark.parametrize(
    "accounts",
    [
        Q(role=Role.SUPERVISOR),  # field = value: the direct path
        Q(role__in=[Role.SUPERVISOR]),  # a lookup: the ORM's path
        Q(role=Role.SUPERVISOR) | Q(pk=-1),  # OR: the ORM's path
    ],
)
def test_every_active_account_named_is_told_once_in_its_language(accounts):
    f.user(Role.SUPERVISOR, username="ann", language="en")
    f.user(Role.SUPERVISOR, username="bo", language="zh-hans")
    f.user(Role.SUPERVISOR, username="gone", language="en", is_active=False)
    f.user(Role.REVIEWER, username="rex", language="en")
    audience = Audience("staff", "desk@plaint.test", "en", accounts, "/review/cases/PL-TEST-0001/")

    for _ in range(2):  # the same key twice tells nobody twice
        notify("received", "k1", [audience], timezone.now(), case_reference="PL-TEST-0001", **FIELDS)

    assert told("k1") == {"ann": "We received your report PL-TEST-0001", "bo": "举报 PL-TEST-0001 已收到"}
    assert OutboxMessage.objects.filter(idempotency_key="mail-k1-staff", recipient="desk@plaint.test").count() == 1


def test_an_audience_by_foreign_key_reaches_that_merchant_s_staff_only():
    shop, other = f.merchant("M-A"), f.merchant("M-B")
    f.user(Role.MERCHANT, username="a1", merchant=shop, language="en")
    f.user(Role.MERCHANT, username="b1", merchant=other, language="en")
    audience = Audience("merchant", "", "bilingual", Q(merchant_id=shop.pk, role=Role.MERCHANT), "/merchant/")

    notify("received", "k2", [audience], timezone.now(), **FIELDS)

    assert set(told("k2")) == {"a1"}
    assert not OutboxMessage.objects.filter(idempotency_key__startswith="mail-k2-").exists()  # no address, no mail
