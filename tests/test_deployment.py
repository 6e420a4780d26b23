"""Start-up and deployment settings: no silent development key, and `check --deploy` clean with the documented
production environment (docs/operations.md)."""

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV_KEY = "dev-only-insecure-key-change-me"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with this test run's environment, changed by `env` (None drops a name).

    Of Plaint's settings only the test run's key and database pass through; the rest are at their defaults.
    """
    kept = {"PLAINT_SECRET_KEY", "PLAINT_DOSSIER_SIGNING_KEY", "PLAINT_DATABASE_URL"}
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PLAINT_") or k in kept}
    # The browser tests set this for their own process while they run (tests/browser/conftest.py); a deployment
    # never has it, and check --deploy rightly fails on it (async.E001).
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    environment["DJANGO_SETTINGS_MODULE"] = "plaint.settings"
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("key", [None, "", DEV_KEY], ids=["unset", "empty", "development-key"])
def test_start_up_without_a_key_of_its_own_is_refused_naming_the_variable(key):
    done = manage("check", PLAINT_DEBUG="0", PLAINT_SECRET_KEY=key)
    assert done.returncode != 0
    assert "PLAINT_SECRET_KEY" in done.stderr
    assert "System check identified" not in done.stdout


@pytest.mark.parametrize(
    "key", [None, "", "ZGV2LW9ubHktZG9zc2llci1rZXktbm90LXNlY3JldCE="], ids=["unset", "empty", "dev"]
)
def test_start_up_without_a_dossier_key_of_its_own_is_refused_naming_the_variable(key):
    done = manage("check", PLAINT_DEBUG="0", PLAINT_DOSSIER_SIGNING_KEY=key)
    assert done.returncode != 0
    assert "PLAINT_DOSSIER_SIGNING_KEY" in done.stderr


def test_debug_on_without_a_key_starts_with_the_development_key():
    """make demo sets PLAINT_DEBUG=1 and nothing else."""
    done = manage(
        "shell",
        "-v0",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        PLAINT_DEBUG="1",
        PLAINT_SECRET_KEY=None,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == DEV_KEY


def test_start_up_with_a_key_of_its_own_uses_it():
    done = manage(
        "shell", "-v0", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", PLAINT_SECRET_KEY="k" * 60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "k" * 60


def documented_production_environment(var_dir: Path) -> dict[str, str]:
    """Return the environment of docs/operations.md's "Example environment" block, its <…> values filled in.

    PLAINT_VAR_DIR is moved under `var_dir`: settings make its static folder, and a test writes nowhere else.
    """
    text = (ROOT / "docs" / "operations.md").read_text()
    block = re.search(r"```env\n(.*?)```", text, re.S)
    assert block, "docs/operations.md has no ```env block"
    env = {}
    for line in block.group(1).splitlines():
        name, _, value = line.partition("=")
        if name == "PLAINT_SECRET_KEY":
            assert value.startswith("<"), "the docs must not give a usable key"
            value = secrets.token_urlsafe(50)
        if name == "PLAINT_DOSSIER_SIGNING_KEY":
            assert value.startswith("<"), "the docs must not give a usable key"
            value = base64.b64encode(secrets.token_bytes(32)).decode()
        env[name] = value.replace("<password>", "pw")
    assert {"PLAINT_SECRET_KEY", "PLAINT_ALLOWED_HOSTS", "PLAINT_SECURE", "PLAINT_DATABASE_URL"} <= env.keys()
    env["PLAINT_VAR_DIR"] = str(var_dir)
    return env


def test_check_deploy_passes_without_a_warning_with_the_documented_production_environment(tmp_path):
    env = documented_production_environment(tmp_path)
    done = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    issues = re.findall(r"\(([a-z_]+\.[CEW]\d+)\)", done.stderr + done.stdout)
    # Save one: the business calendar's warning (plaint.W001) that its last year ends soon depends on today's
    # date and the rulebook's data, not on the settings under test (tests/rulebook covers it).
    assert [issue for issue in issues if issue != "plaint.W001"] == [], done.stderr + done.stdout
    if not issues:
        assert done.returncode == 0, done.stderr
        assert "System check identified no issues (0 silenced)." in done.stdout


def test_check_deploy_warns_about_a_deployment_without_plaint_secure(tmp_path):
    env = documented_production_environment(tmp_path) | {"PLAINT_SECURE": None}
    done = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert done.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in done.stderr


SECURE_PROBE = """
from django.test import Client
client = Client()
plain = client.get("/accounts/login/")
print("plain", plain.status_code, plain.get("Location"))
proxied = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
print("proxied", proxied.status_code, proxied.get("Strict-Transport-Security"), proxied.cookies["csrftoken"]["secure"])
"""


def test_plaint_secure_redirects_to_https_and_behind_the_proxy_sends_hsts_and_secure_cookies(tmp_path):
    env = documented_production_environment(tmp_path) | {"PLAINT_ALLOWED_HOSTS": "testserver"}
    done = manage("shell", "-v0", "-c", SECURE_PROBE, **env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "plain 301 https://testserver/accounts/login/"
    assert lines[1] == "proxied 200 max-age=31536000; includeSubDomains; preload True"


def test_an_unknown_cache_url_is_refused_naming_the_setting():
    done = manage("check", PLAINT_CACHE_URL="memcached://127.0.0.1:11211")
    assert done.returncode != 0
    assert "PLAINT_CACHE_URL" in done.stderr


def test_the_preloaded_application_has_imported_what_first_requests_would():
    """gunicorn forks its workers from a master that imported plaint.wsgi: every view and the photo hash's
    libraries are loaded there once, not at each worker's first requests."""
    probe = (
        "import sys, plaint.wsgi; "
        "wanted = ['plaint.api.urls', 'plaint.web.urls', 'scipy.fftpack', 'sklearn.linear_model', "
        "'PIL.JpegImagePlugin', 'plaint.transparency.charts']; "
        "print(' '.join(m for m in wanted if m not in sys.modules))"
    )
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="plaint.settings")
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"not imported by plaint.wsgi: {done.stdout.strip()}"
