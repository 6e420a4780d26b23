"""What the case tests share: the people of a case (a shop, its consumer, staff) and a webhook endpoint."""

import pytest

from plaint.accounts.models import Role
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f


@pytest.fixture
def people(db):
    shop = f.merchant("M-A", contact_email="shop@example.test")
    f.order(shop, "C1", external_id="O-0")  # makes the consumer C1
    WebhookEndpoint.objects.create(name="marketplace", url="http://127.0.0.1:9/hook", secret="s")
    return {
        "shop": shop,
        "consumer": f.consumer_user("C1"),
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR, email="boss@example.test"),
    }
