from django.db import models
from django.utils.translation import gettext_lazy as _


class RulebookVersion(models.Model):
    """A published rulebook version, kept word for word so old decisions can always be read against it."""

    version = models.CharField(max_length=40, unique=True)
    effective_from = models.DateTimeField()
    source_name = models.CharField(max_length=200)
    source_text = models.TextField()
    sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rulebook version")
        verbose_name_plural = _("rulebook versions")
        ordering = ["effective_from"]

    def __str__(self) -> str:
        return f"rulebook {self.version}"
