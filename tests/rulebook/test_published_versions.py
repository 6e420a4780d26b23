"""The rulebook in use is the published one: a node whose folder lacks a version still sees it."""

import hashlib
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from plaint.rulebook import loader
from plaint.rulebook.models import RulebookVersion

V1 = (Path(settings.BASE_DIR) / "rulebook" / "v1.toml").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def fresh_loader():
    loader.check()
    yield
    loader.check()  # forget the versions this test published (its rows are rolled back)


def publish_elsewhere(version: str, starts: object) -> str:
    """Insert a published version as another node's migrate would: its file is not in our folder."""
    text = re.sub(r"(?m)^effective_from = .*$", f"effective_from = {starts.isoformat()}", V1)
    text = text.replace('version = "1"', f'version = "{version}"').replace("window_days = 90", "window_days = 61", 1)
    RulebookVersion.objects.create(
        version=version,
        effective_from=starts,
        source_name=f"{version}.toml",
        source_text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    return text


@pytest.mark.django_db
def test_a_version_only_in_the_database_is_in_force_and_readable(settings):
    now = timezone.now()
    publish_elsewhere("elsewhere", now - timedelta(minutes=1))
    assert not (Path(settings.PLAINT_RULEBOOK_DIR) / "elsewhere.toml").exists()
    loader.forget_published()

    rulebook = loader.in_force(now)
    assert rulebook.version == "elsewhere"
    assert rulebook.category("counterfeit").window_days == 61
    assert loader.get("elsewhere") is rulebook  # parsed once
    assert "elsewhere" in [rb.version for rb in loader.versions()]
    assert "elsewhere" not in [rb.version for rb in loader.file_versions()]
    # Versions whose file is here come from the file's parse when the texts agree.
    assert loader.get("1").category("counterfeit").window_days == 90


@pytest.mark.django_db
def test_a_version_published_by_another_node_is_seen_after_the_interval(settings):
    settings.PLAINT_RULEBOOK_REFRESH_SECONDS = 1.0
    now = timezone.now()
    before = loader.in_force(now).version
    publish_elsewhere("elsewhere", now - timedelta(minutes=1))

    # Within the interval this node still uses the list it read: no query on the hot path...
    assert loader.in_force(now).version == before
    # ...but a case already filed under the new version (by the other node) can be read at once.
    assert loader.get("elsewhere").version == "elsewhere"

    time.sleep(1.1)
    assert loader.in_force(now).version == "elsewhere"


@pytest.mark.django_db
def test_reading_the_rulebook_costs_no_query_within_the_interval(django_assert_num_queries):
    now = timezone.now()
    loader.in_force(now)
    with django_assert_num_queries(0):
        for _ in range(50):
            loader.in_force(now)
            loader.versions()


@pytest.mark.django_db
def test_before_anything_is_published_the_files_are_used():
    RulebookVersion.objects.all().delete()
    loader.forget_published()
    assert sorted(rb.version for rb in loader.versions()) == sorted(rb.version for rb in loader.file_versions())
    assert loader.publish_all() == [rb.version for rb in loader.file_versions()]
