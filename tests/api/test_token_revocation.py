"""A revoked API token, or a deactivated user's, is refused by every web process from the next request on."""

import socket
import sys
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from plaint.accounts.models import ApiToken, Role
from tests import factories as f
from tests.api_client import ApiClient
from tests.notifications import processes


@pytest.mark.django_db
def test_a_token_revoked_just_after_use_is_refused_on_the_next_request():
    user = f.user(Role.AGENT)
    row, key = ApiToken.issue(user)
    api = ApiClient(key)
    assert api.get("/cases").status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    refused = api.get("/cases")
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"


@pytest.mark.django_db
def test_a_deactivated_users_token_is_refused_on_the_next_request():
    user = f.user(Role.AGENT)
    api = ApiClient(f.token(user))
    assert api.get("/cases").status_code == 200
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert api.get("/cases").status_code == 401


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_revocation_reaches_every_web_process_at_once(tmp_path: Path):
    """Two gunicorn processes on the test database: both served the token, both refuse it once revoked."""
    user = f.user(Role.AGENT)
    row, key = ApiToken.issue(user)
    headers = {"Authorization": f"Bearer {key}"}
    servers = []
    urls = []
    try:
        for number in range(2):
            port = _free_port()
            args = [sys.executable, "-m", "gunicorn", "plaint.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"]
            servers.append(processes.start(args, tmp_path / f"web-{number}.log"))
            urls.append(f"http://127.0.0.1:{port}/api/cases")

        def serves(url: str) -> bool:
            try:
                return httpx.get(url, headers=headers, timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        for url in urls:
            processes.wait_until(lambda url=url: serves(url), 60, f"a web process at {url}")
        # Each process has just accepted the token; it is revoked now, in the database only.
        ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
        for url in urls:
            refused = httpx.get(url, headers=headers, timeout=5)
            assert refused.status_code == 401, url
            assert refused.json()["code"] == "unauthenticated"
    finally:
        for server in servers:
            processes.stop(server)
