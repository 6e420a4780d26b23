from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plaint.storage import evidence_storage


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
    file = models.FileField(upload_to=original_path, storage=evidence_storage, max_length=200)
    shared_file = models.FileField(upload_to=shared_path, storage=evidence_storage, max_length=200)
    captured_at = models.DateTimeField(null=True, blank=True, help_text="EXIF capture time, if any")
    had_location = models.BooleanField(default=False, help_text="The upload carried GPS data")
    thumbnail = models.FileField(upload_to=derived_path, storage=evidence_storage, max_length=200, blank=True)
    view_file = models.FileField(upload_to=derived_path, storage=evidence_storage, max_length=200, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="A video's length in seconds")
    uploaded_at = models.DateTimeField()
    # Photos only: the EXIF Software tag, and the 64-bit perceptual hash (imagehash.phash) stored
    # signed, as databases keep 64-bit integers, and in four 16-bit bands. A near copy of a photo
    # shares a band with it within one bit (forensics.near_copies), so the lookup reads an index.
    software = models.CharField(max_length=200, blank=True, default="", db_default="")
    phash = models.BigIntegerField(null=True, blank=True)
    phash_band_0 = models.IntegerField(null=True, blank=True)
    phash_band_1 = models.IntegerField(null=True, blank=True)
    phash_band_2 = models.IntegerField(null=True, blank=True)
    phash_band_3 = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]
        # forensics.near_copies: one index per band, each asked in one part of a UNION ALL. On PostgreSQL
        # they include what the lookup reads, so each part is an index-only scan (a plain OR of the four
        # would be a bitmap scan reading a heap page per candidate: ten times slower at 1,000,000 photos).
        indexes = [
            models.Index(fields=[f"phash_band_{n}"], include=["phash", "case", "id"], name=f"evidence_phash_band_{n}")
            for n in range(4)
        ]


class FlagCode(models.TextChoices):
    COPY = "copy", "The same photo or a near copy was sent in another case"
    BEFORE_DELIVERY = "before_delivery", "Taken before the order was delivered"
    NO_CAPTURE_TIME = "no_capture_time", "No capture time (a screenshot or a picture from the web?)"
    EDITED = "edited", "Edited by software"


class EvidenceFlag(models.Model):
    """Something forensics noticed about a piece of evidence at intake, with what it rests on.

    Flags inform reviewers (and, later, priority); they never refuse a file or a report. `details`
    holds the facts the reason is written from (the other cases, the dates, the software).
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(max_length=30, choices=FlagCode.choices)
    details = models.JSONField(default=dict, blank=True)
    flagged_at = models.DateTimeField()

    class Meta:
        ordering = ["evidence", "id"]
