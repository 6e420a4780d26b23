from django.conf import settings
from django.db import models


class Party(models.TextChoices):
    REPORTER = "reporter", "Reporter"
    MERCHANT = "merchant", "Merchant"
    PLATFORM = "platform", "Platform"


def original_path(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}/original"


def shared_path(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}/shared"


def derived_path(instance: "Evidence", filename: str) -> str:
    """Return where an image derived from the file is kept: `thumbnail.jpg`, `view.jpg`."""
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class Evidence(models.Model):
    """A file attached to a case by a party.

    `file` is the file as uploaded, seen by the uploader's side and staff. `shared_file` is the copy
    the other party sees: for images, with GPS data removed. The type is sniffed from the content.
    `thumbnail` (images) and `view_file` (a JPEG of a HEIC photo) are derived images without any
    metadata, which either side may see; empty for other files and for evidence stored before them.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="evidence")
    party = models.CharField(max_length=10, choices=Party.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, help_text="An evidence kind of the rulebook")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    file = models.FileField(upload_to=original_path, max_length=200)
    shared_file = models.FileField(upload_to=shared_path, max_length=200)
    captured_at = models.DateTimeField(null=True, blank=True, help_text="EXIF capture time, if any")
    had_location = models.BooleanField(default=False, help_text="The upload carried GPS data")
    thumbnail = models.FileField(upload_to=derived_path, max_length=200, blank=True)
    view_file = models.FileField(upload_to=derived_path, max_length=200, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="A video's length in seconds")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
