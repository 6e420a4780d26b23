"""Failed sign-ins are throttled per account and per address (django-axes): after PLAINT_LOGIN_FAILURE_LIMIT
failures sign-in is refused, even with the right password, with a page in the visitor's language, until the
pause (PLAINT_LOGIN_COOLOFF_MINUTES) has passed."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from plaint.accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 8, 0, tzinfo=UTC), tick=False)
    return time_machine


def sign_in(client: Client, username: str, password: str, address: str, path: str = "/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def fail(username: str, times: int, addresses: list[str]) -> None:
    """Fail to sign in `times` times; the failures before the limit get the form again, with its error."""
    client = Client()
    for i in range(times):
        response = sign_in(client, username, "wrong", addresses[i % len(addresses)])
        assert response.status_code in (200, 429)


def test_an_account_guessed_from_many_addresses_is_paused_even_for_the_right_password(settings, frozen):
    user = factories.user(Role.REVIEWER)
    fail(user.username, settings.PLAINT_LOGIN_FAILURE_LIMIT - 1, ["203.0.113.200"])
    assert sign_in(Client(), user.username, PASSWORD, "203.0.113.201").status_code == 302  # one short of the limit

    user = factories.user(Role.REVIEWER)
    fail(user.username, settings.PLAINT_LOGIN_FAILURE_LIMIT, [f"203.0.113.{i}" for i in range(1, 40)])
    response = sign_in(Client(), user.username, PASSWORD, "198.51.100.99")
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.PLAINT_LOGIN_COOLOFF_MINUTES * 60)
    page = response.content.decode()
    assert "登录已暂停" in page
    assert f"{settings.PLAINT_LOGIN_COOLOFF_MINUTES} 分钟" in page
    assert "_auth_user_id" not in Client().session

    # Another account is not held up by it.
    other = factories.user(Role.REVIEWER)
    assert sign_in(Client(), other.username, PASSWORD, "198.51.100.99").status_code == 302


def test_many_accounts_tried_from_one_address_pause_that_address(settings, frozen):
    for _ in range(settings.PLAINT_LOGIN_FAILURE_LIMIT):
        fail(factories.user(Role.CONSUMER).username, 1, ["203.0.113.50"])
    victim = factories.user(Role.REVIEWER)
    assert sign_in(Client(), victim.username, PASSWORD, "203.0.113.50").status_code == 429
    # The same account from another address signs in.
    assert sign_in(Client(), victim.username, PASSWORD, "198.51.100.7").status_code == 302


def test_the_pause_ends_after_the_cool_off(settings, frozen):
    user = factories.user(Role.REVIEWER)
    fail(user.username, settings.PLAINT_LOGIN_FAILURE_LIMIT, ["203.0.113.60"])
    assert sign_in(Client(), user.username, PASSWORD, "203.0.113.60").status_code == 429
    later = datetime(2026, 11, 30, 8, 0, tzinfo=UTC) + timedelta(
        minutes=settings.PLAINT_LOGIN_COOLOFF_MINUTES, seconds=1
    )
    frozen.move_to(later, tick=False)
    assert sign_in(Client(), user.username, PASSWORD, "203.0.113.60").status_code == 302


def test_the_lockout_page_is_in_english_for_an_english_visitor(settings, frozen):
    user = factories.user(Role.REVIEWER)
    fail(user.username, settings.PLAINT_LOGIN_FAILURE_LIMIT, ["203.0.113.70"])
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = sign_in(client, user.username, PASSWORD, "203.0.113.71")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in is paused after too many failed attempts" in page
    assert f"Try again in {settings.PLAINT_LOGIN_COOLOFF_MINUTES} minutes" in page


def test_the_admin_sign_in_is_throttled_too(settings, frozen):
    admin = factories.user(Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(settings.PLAINT_LOGIN_FAILURE_LIMIT):
        sign_in(client, admin.username, "wrong", "203.0.113.80", path="/admin/login/")
    assert sign_in(client, admin.username, PASSWORD, "203.0.113.81", path="/admin/login/").status_code == 429


def test_a_forwarded_address_that_is_not_one_counts_as_the_connection_s(settings, frozen):
    """Behind a proxy, a client's made-up X-Forwarded-For is neither trusted nor an error (no 500)."""
    settings.PLAINT_PROXY_COUNT = 1
    user = factories.user(Role.REVIEWER)
    client = Client()
    for _ in range(settings.PLAINT_LOGIN_FAILURE_LIMIT):
        response = sign_in(client, user.username, "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
        assert response.status_code in (200, 429)
    other = factories.user(Role.REVIEWER)
    assert (
        sign_in(Client(), other.username, PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 302
    )
    assert sign_in(Client(), other.username, PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="<junk>").status_code == 429
