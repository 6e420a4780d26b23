import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CONSUMER = "consumer", "Consumer"
    MERCHANT = "merchant", "Merchant staff"
    AGENT = "agent", "Customer-service agent"
    REVIEWER = "reviewer", "Reviewer"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Policy admin"
    MARKETPLACE = "marketplace", "Marketplace system client"
    # The independent committee (plaint/committee): members decide appeals on panels; the secretary
    # manages panels that cannot be filled. Neither is platform staff, and neither sees cases at large.
    COMMITTEE = "committee", "Committee member"
    SECRETARY = "secretary", "Committee secretary"
    # An account of a trusted flagger organisation (plaint/reporters, DSA art. 22): files reports only.
    TRUSTED_FLAGGER = "trusted_flagger", "Trusted flagger"


# Roles that work cases on the platform's side and may see every case.
STAFF_ROLES = frozenset({Role.AGENT, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
DECIDING_ROLES = frozenset({Role.REVIEWER, Role.SUPERVISOR})


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CONSUMER)
    # Set for consumers: the marketplace's consumer this account speaks for.
    consumer = models.OneToOneField(
        "marketplace.Consumer", null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )
    # Set for merchant staff: the merchant whose reports this account answers.
    merchant = models.ForeignKey(
        "marketplace.Merchant", null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    # Set for trusted flaggers' accounts: the organisation this account files for.
    flagger = models.ForeignKey(
        "reporters.TrustedFlagger", null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    language = models.CharField(max_length=10, default="zh-hans")

    @property
    def is_platform_staff(self) -> bool:
        return self.role in STAFF_ROLES


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str = "", key: str | None = None) -> tuple["ApiToken", str]:
        """Return a new token row and the clear token (pass `key` to fix it, as the demo does)."""
        key = key or "plt_" + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, key_hash=cls.hash_key(key)), key
