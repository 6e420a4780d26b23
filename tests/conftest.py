import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test keeps its evidence files in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Test users need passwords, not slow ones.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.MEDIA_ROOT


@pytest.fixture
def receiver():
    """A started local HTTP receiver; stopped after the test."""
    from tests.receiver import Receiver

    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache: the API's rate-limit counters of one test never hold up the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
