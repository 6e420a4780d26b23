import time

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from plaint.accounts.models import ApiToken, User

# token hash -> (user, monotonic time the entry was read). Per process; see PLAINT_TOKEN_CACHE_SECONDS.
_recent: dict[str, tuple[User, float]] = {}


def _lookup(key_hash: str) -> User | None:
    try:
        row = ApiToken.objects.select_related("user", "user__consumer", "user__merchant").get(
            key_hash=key_hash, revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    return row.user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; only the token's SHA-256 is stored.

    A token found valid is trusted for PLAINT_TOKEN_CACHE_SECONDS without asking the database again,
    so a revoked token or a deactivated user stops working within that many seconds.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        key_hash = ApiToken.hash_key(token)
        ttl = settings.PLAINT_TOKEN_CACHE_SECONDS
        now = time.monotonic()
        cached = _recent.get(key_hash)
        if cached and now - cached[1] < ttl:
            user = cached[0]
        else:
            user = _lookup(key_hash)
            if user is None:
                _recent.pop(key_hash, None)
                return None
            if ttl > 0:
                if len(_recent) > 10_000:
                    _recent.clear()
                _recent[key_hash] = (user, now)
        request.user = user
        return user


class SignedInSession(SessionAuth):
    """The pages' session, CSRF-checked only once somebody is signed in: an anonymous call is 401, not 403."""

    def __call__(self, request: HttpRequest) -> User | None:
        return super().__call__(request) if request.user.is_authenticated else None


# Pages' sessions work too (with CSRF), so a page's scripts call the API as the signed-in person.
AUTH = [TokenAuth(), SignedInSession()]
