"""API rate limits (plaint/api/throttle.py): per token and per client address, 429 with Retry-After and
Plaint's error body, counted in Django's cache so processes sharing one (Redis) share the limits."""

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client

from plaint.accounts.models import Role
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
# A window starts on a multiple of its length; 20 s into one, 40 s remain.
WINDOW_START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database number of its own


@pytest.fixture
def limits(settings, time_machine):
    time_machine.move_to(WINDOW_START + timedelta(seconds=20), tick=False)
    settings.PLAINT_API_RATE_WINDOW = 60
    settings.PLAINT_API_RATE_PER_TOKEN = 3
    settings.PLAINT_API_RATE_PER_ADDRESS = 100
    return settings


def bearer(token: str, address: str = "127.0.0.1", **extra) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "REMOTE_ADDR": address, **extra}


def assert_rate_limited(response, retry_after: str = "40") -> dict:
    assert response.status_code == 429, response.content
    assert response["Retry-After"] == retry_after
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["message"]
    assert f"Retry after {retry_after} seconds" in body["hint"]
    return body


@pytest.mark.django_db
def test_a_token_over_its_limit_gets_429_with_retry_after_until_the_next_window(limits, time_machine):
    token = factories.token(factories.user(Role.REVIEWER))
    client = Client()
    # The first request proves the token; that one counts against the address, the next three against the token.
    for _ in range(4):
        assert client.get("/api/cases", **bearer(token)).status_code == 200
    body = assert_rate_limited(client.get("/api/cases", **bearer(token)))
    assert "3 requests per 60 seconds" in body["message"]
    time_machine.move_to(WINDOW_START + timedelta(seconds=60), tick=False)
    assert client.get("/api/cases", **bearer(token)).status_code == 200


@pytest.mark.django_db
def test_each_token_has_a_limit_of_its_own(limits):
    first = factories.token(factories.user(Role.REVIEWER))
    second = factories.token(factories.user(Role.REVIEWER))
    client = Client()
    for _ in range(4):
        client.get("/api/cases", **bearer(first))
    assert_rate_limited(client.get("/api/cases", **bearer(first)))
    assert client.get("/api/cases", **bearer(second)).status_code == 200


@pytest.mark.django_db
def test_made_up_tokens_count_against_the_address_that_sends_them(limits):
    limits.PLAINT_API_RATE_PER_ADDRESS = 5
    client = Client()
    for _ in range(5):
        assert client.get("/api/cases", **bearer(uuid.uuid4().hex, "203.0.113.9")).status_code == 401
    assert_rate_limited(client.get("/api/cases", **bearer(uuid.uuid4().hex, "203.0.113.9")))
    # Another address is not held up by it.
    assert client.get("/api/cases", **bearer(uuid.uuid4().hex, "203.0.113.10")).status_code == 401


@pytest.mark.django_db
def test_requests_without_a_token_are_limited_per_address(limits):
    limits.PLAINT_API_RATE_PER_ADDRESS = 2
    client = Client()
    for _ in range(2):
        assert client.get("/api/cases", REMOTE_ADDR="198.51.100.1").status_code == 401
    assert_rate_limited(client.get("/api/cases", REMOTE_ADDR="198.51.100.1"))
    assert client.get("/api/cases", REMOTE_ADDR="198.51.100.2").status_code == 401


@pytest.mark.django_db
def test_a_made_up_token_on_a_public_endpoint_or_beside_a_session_never_gets_a_token_limit(limits):
    """Otherwise each made-up token, once answered, would bring a fresh allowance of its own."""
    limits.PLAINT_API_RATE_PER_ADDRESS = 3
    made_up = uuid.uuid4().hex
    client = Client()
    assert client.get("/api/openapi.json", **bearer(made_up)).status_code == 200
    client.force_login(factories.user(Role.REVIEWER))
    assert client.get("/api/cases", **bearer(made_up)).status_code == 200  # the session signed it in
    client.logout()
    assert client.get("/api/cases", **bearer(made_up)).status_code == 401
    assert_rate_limited(client.get("/api/cases", **bearer(made_up)))


@pytest.mark.django_db
def test_behind_proxies_the_address_the_outermost_proxy_saw_is_counted(limits):
    limits.PLAINT_PROXY_COUNT = 1
    limits.PLAINT_API_RATE_PER_ADDRESS = 2
    client = Client()
    proxy = "10.0.0.2"
    # The client's own claims (left of what the proxy appended) change nothing.
    for claim in ("1.1.1.1", "2.2.2.2"):
        client.get("/api/cases", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{claim}, 198.51.100.20")
    assert_rate_limited(client.get("/api/cases", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="3.3.3.3, 198.51.100.20"))
    # Another client behind the same proxy has its own count.
    assert client.get("/api/cases", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.21").status_code == 401


@pytest.mark.django_db
def test_limits_set_to_zero_are_off(limits):
    limits.PLAINT_API_RATE_PER_ADDRESS = 0
    client = Client()
    for _ in range(150):
        assert client.get("/api/cases", REMOTE_ADDR="198.51.100.30").status_code == 401


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); .ci/run starts it")


def test_processes_sharing_a_redis_cache_share_the_limits(settings):
    """Requests counted by another process (here a manage.py shell) count here too."""
    redis_or_skip()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "plaint",
        }
    }
    settings.PLAINT_API_RATE_WINDOW = 3600  # one window for the whole test, whenever it runs
    settings.PLAINT_API_RATE_PER_ADDRESS = 3
    salt = uuid.uuid4().int
    address = f"198.18.{salt % 250}.{salt // 250 % 250}"  # a benchmarking range, apart from other runs' keys
    script = (
        "from django.test import Client\n"
        f"print([Client().get('/api/cases', REMOTE_ADDR='{address}').status_code for _ in range(2)])\n"
    )
    env = os.environ | {
        "PLAINT_CACHE_URL": REDIS_URL,
        "PLAINT_API_RATE_WINDOW": "3600",
        "PLAINT_API_RATE_PER_ADDRESS": "3",
        "DJANGO_SETTINGS_MODULE": "plaint.settings",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[401, 401]"
    client = Client()
    assert client.get("/api/cases", REMOTE_ADDR=address).status_code == 401
    response = client.get("/api/cases", REMOTE_ADDR=address)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
