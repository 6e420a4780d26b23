"""manage.py publish_rulebook publishes new rulebook files as migrate does, and refuses an edited one."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from plaint.rulebook import loader
from plaint.rulebook.models import RulebookVersion

V1 = (Path(settings.BASE_DIR) / "rulebook" / "v1.toml").read_text(encoding="utf-8")


def run() -> str:
    out = io.StringIO()
    call_command("publish_rulebook", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_publish_rulebook_publishes_a_new_file_once(tmp_path, settings):
    assert "Nothing to publish" in run()  # migrate published rulebook/ already
    later = V1.replace('version = "1"', 'version = "later"').replace(
        "effective_from = 2026-01-01T00:00:00+08:00", "effective_from = 2030-01-01T00:00:00+08:00"
    )
    (tmp_path / "later.toml").write_text(later, encoding="utf-8")
    settings.PLAINT_RULEBOOK_DIR = tmp_path
    try:
        assert "Published rulebook version(s): later" in run()
        row = RulebookVersion.objects.get(version="later")
        assert row.source_text == later and row.source_name == "later.toml"
        assert "Nothing to publish" in run()
    finally:
        settings.PLAINT_RULEBOOK_DIR = Path(settings.BASE_DIR) / "rulebook"
        loader.check()


@pytest.mark.django_db
def test_publish_rulebook_refuses_an_edited_published_version(tmp_path, settings):
    (tmp_path / "v1.toml").write_text(V1.replace("window_days = 90", "window_days = 60", 1), encoding="utf-8")
    settings.PLAINT_RULEBOOK_DIR = tmp_path
    try:
        with pytest.raises(CommandError, match="its text has changed since"):
            run()
        assert RulebookVersion.objects.get(version="1").source_text == V1
    finally:
        settings.PLAINT_RULEBOOK_DIR = Path(settings.BASE_DIR) / "rulebook"
        loader.check()
