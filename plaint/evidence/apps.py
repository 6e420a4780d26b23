from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "plaint.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        import pillow_heif
        from PIL import Image

        # iPhones' HEIC photos open as any other image (inspection, thumbnails).
        pillow_heif.register_heif_opener()

        # Pillow warns past this many pixels and refuses past twice as many, at open, before decoding:
        # any code that opens an image fails safely on a decompression bomb, not only inspection.
        Image.MAX_IMAGE_PIXELS = settings.PLAINT_EVIDENCE_MAX_PIXELS
