"""The Django admin lists every model for an admin, read-only where the log must not be rewritten."""

import pytest

from plaint.accounts.models import Role
from tests import factories as f


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "cases/case",
        "cases/caseevent",
        "cases/caseclock",
        "cases/decision",
        "cases/autoruleswitch",
        "cases/autorulereplay",
        "cases/autoruleshadow",
        "evidence/evidence",
        "enforcement/pointentry",
        "enforcement/remedyinstruction",
        "enforcement/measure",
        "enforcement/rectification",
        "cases/appeal",
        "monitoring/monitoringflag",
        "monitoring/merchantfigures",
        "notifications/outboxmessage",
        "notifications/webhookendpoint",
        "marketplace/merchant",
        "marketplace/order",
        "rulebook/rulebookversion",
        "accounts/user",
    ],
)
def test_admin_lists_open_for_an_admin(client, path):
    admin = f.user(Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(f"/admin/{path}/").status_code == 200


@pytest.mark.django_db
def test_case_log_cannot_be_changed_in_the_admin(client):
    admin = f.user(Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/cases/case/add/").status_code == 403


@pytest.mark.django_db
def test_a_reviewer_without_staff_status_cannot_open_the_admin(client):
    client.force_login(f.user(Role.REVIEWER))
    assert client.get("/admin/cases/case/").status_code == 302
