"""The models trained on decided cases, and each suggestion with the model that made it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TriageModel(models.Model):
    """A text classifier fitted by `manage.py train_triage` on decided cases; one row per version.

    The fitted pipeline is stored pickled in `blob`: it is written only by that command, from this
    database's own cases, and read back only by a process of the same scikit-learn version
    (`sklearn_version`); any other process ignores it and keeps the cold start.
    """

    version = models.PositiveIntegerField(unique=True)
    trained_at = models.DateTimeField()
    # The rulebook in force at training: its categories are the labels a model may suggest.
    rulebook_version = models.CharField(max_length=40)
    labels = models.JSONField(help_text="Category codes the model knows")
    # Cases used: {"train": n, "test": n, "per_category": {code: n}}.
    cases = models.JSONField(default=dict)
    # Held-out accuracy and macro-F1, and the cold start's on the same texts, for comparison.
    metrics = models.JSONField(default=dict)
    sklearn_version = models.CharField(max_length=20)
    blob = models.BinaryField()
    # SHA-256 of blob: the key a process keeps the loaded pipeline under.
    digest = models.CharField(max_length=64)
    # The model suggestions come from; at most one (train_triage activates the one it fits unless --inactive).
    active = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("category classifier")
        verbose_name_plural = _("category classifiers")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="one_active_triage_model")
        ]

    def __str__(self) -> str:
        return f"triage model {self.version}{' (active)' if self.active else ''}"


class Suggestion(models.Model):
    """One suggested category: for whom, from which model, what was suggested (not the words themselves)."""

    made_at = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Where it was asked: the API or the filing page.
    channel = models.CharField(max_length=10)
    # The text's SHA-256 and length: enough to match a suggestion to the report filed with the text,
    # without keeping a second copy of a consumer's words.
    text_sha256 = models.CharField(max_length=64)
    text_length = models.PositiveIntegerField()
    rulebook_version = models.CharField(max_length=40)
    # Null: the rulebook's cold start made it.
    model = models.ForeignKey(TriageModel, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The first category suggested, "" for none.
    top_category = models.CharField(max_length=50, blank=True)
    ranked = models.JSONField(help_text="[{category, score}] best first")

    class Meta:
        verbose_name = _("category suggestion")
        verbose_name_plural = _("category suggestions")
        indexes = [models.Index(fields=["made_at"], name="triage_suggestion_made_at")]
