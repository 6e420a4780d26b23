"""Start-up and deployment settings: no silent development key, and `check --deploy` clean with the documented
production environment (docs/operations.md)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV_KEY = "dev-only-insecure-key-change-me"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with this test run's environment, changed by `env` (None drops a name)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PLAINT_") or k == "PLAINT_DATABASE_URL"}
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


def test_debug_on_without_a_key_starts_with_the_development_key():
    """make demo sets PLAINT_DEBUG=1 and nothing else."""
    done = manage("shell", "-v0", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", PLAINT_DEBUG="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == DEV_KEY


def test_start_up_with_a_key_of_its_own_uses_it():
    done = manage(
        "shell", "-v0", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", PLAINT_SECRET_KEY="k" * 60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "k" * 60
