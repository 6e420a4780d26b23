from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from plaint.accounts.models import ApiToken, User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; only the token's SHA-256 is stored.

    Every request asks the database (one SELECT on the unique `key_hash` index, joined to the user),
    so a revoked token or a deactivated user is refused by every process from the next request on:
    the database is the one thing all web processes share in the default set-up, so no per-process
    cache may answer for it.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = (
            ApiToken.objects.select_related("user", "user__consumer", "user__merchant")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        request.user = row.user
        return row.user


# Pages' sessions work too (with CSRF), so a page's scripts call the API as the signed-in person.
AUTH = [TokenAuth(), django_auth]
