"""Inspecting an uploaded evidence file: what it really is, its hash, when it was taken, and the
copy the other party may see (GPS data removed). Pure: bytes in, facts out."""

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime, tzinfo

import filetype
from PIL import Image

# Larger images are refused as possible decompression bombs (about 40 megapixels, a large phone photo x 2).
MAX_PIXELS = 80_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

IMAGE_TYPES = {"image/jpeg": (".jpg", "JPEG"), "image/png": (".png", "PNG"), "image/webp": (".webp", "WEBP")}
ACCEPTED = "JPEG, PNG or WebP photos, PDF documents, or plain-text chat logs"
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
DATETIME = 0x0132


@dataclass(frozen=True)
class Inspected:
    content_type: str
    extension: str
    size: int
    sha256: str
    captured_at: datetime | None
    had_location: bool
    shared_bytes: bytes


class EvidenceRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def inspect(data: bytes, filename: str, *, max_bytes: int, local_tz: tzinfo) -> Inspected:
    """Return what the file is, judged from its content only; raise EvidenceRejected if it can't be used."""
    if not data:
        raise EvidenceRejected("empty", f"{filename} is empty. Choose the file again.")
    if len(data) > max_bytes:
        raise EvidenceRejected(
            "too_large",
            f"{filename} is {_mb(len(data))} MB; the limit is {_mb(max_bytes)} MB. "
            "Send a smaller photo, or split the PDF.",
        )
    digest = hashlib.sha256(data).hexdigest()
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    if mime in IMAGE_TYPES:
        return _image(data, filename, mime, digest, local_tz)
    if mime == "application/pdf" or data.startswith(b"%PDF-"):
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
            raise EvidenceRejected("corrupt_pdf", f"{filename} is not a complete PDF. Save or export it again.")
        return Inspected("application/pdf", ".pdf", len(data), digest, None, False, data)
    if mime is None and _is_text(data):
        return Inspected("text/plain", ".txt", len(data), digest, None, False, data)
    raise EvidenceRejected("unsupported_type", f"{filename} is not a file Plaint accepts. Send {ACCEPTED}.")


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _image(data: bytes, filename: str, mime: str, digest: str, local_tz: tzinfo) -> Inspected:
    extension, pil_format = IMAGE_TYPES[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            image = Image.open(io.BytesIO(data))
            full_size = image.size
            if pil_format == "JPEG" and not _jpeg_has_location(image):
                # Nothing will be re-encoded, so decode at 1/8 scale: every block's data is still
                # read (a cut-short file still fails), at a fraction of the cost of a phone photo's pixels.
                image.draft(image.mode, (1, 1))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise EvidenceRejected(
            "corrupt_image", f"{filename} has too many pixels to be a photo. Send a smaller image."
        ) from None
    except Exception:
        raise EvidenceRejected(
            "corrupt_image", f"{filename} is damaged or cut short. Take or export it again."
        ) from None
    if image.format != pil_format:
        raise EvidenceRejected("corrupt_image", f"{filename} does not decode as the image it claims to be.")
    exif = image.getexif()
    captured_at = _captured_at(exif, local_tz)
    has_gps = bool(exif.get_ifd(GPS_IFD)) or GPS_IFD in exif
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    had_location = has_gps or (bool(xmp) and b"GPS" in (xmp if isinstance(xmp, bytes) else str(xmp).encode()))
    shared = data
    if has_gps or xmp:
        if image.size != full_size:  # decoded at reduced scale: the copy needs every pixel
            image = Image.open(io.BytesIO(data))
            exif = image.getexif()
        shared = _without_location(image, exif, pil_format)
    return Inspected(mime, extension, len(data), digest, captured_at, had_location, shared)


def _jpeg_has_location(image: Image.Image) -> bool:
    """Return whether an opened, not yet decoded JPEG carries GPS EXIF or XMP (both are read at open)."""
    exif = image.getexif()
    return bool(image.info.get("xmp")) or GPS_IFD in exif or bool(exif.get_ifd(GPS_IFD))


def _without_location(image: Image.Image, exif: Image.Exif, pil_format: str) -> bytes:
    """Return the image saved again without the GPS IFD and the XMP packet; pixels and other EXIF kept."""
    exif.get_ifd(EXIF_IFD)  # loaded so it is written back
    if GPS_IFD in exif:
        del exif[GPS_IFD]
    options: dict[str, object] = {"exif": exif.tobytes()}
    if pil_format == "JPEG":
        options["quality"] = "keep"  # re-use the original quantisation: no visible loss
        if image.info.get("icc_profile"):
            options["icc_profile"] = image.info["icc_profile"]
    elif pil_format == "WEBP":
        options["lossless"] = image.info.get("lossless", False)
        options["quality"] = 95
    out = io.BytesIO()
    image.save(out, pil_format, **options)
    return out.getvalue()


def _captured_at(exif: Image.Exif, local_tz: tzinfo) -> datetime | None:
    detail = exif.get_ifd(EXIF_IFD)
    raw = detail.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = detail.get(OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str):
        try:
            return datetime.strptime(f"{raw.strip()} {offset.strip()}", "%Y:%m:%d %H:%M:%S %z")
        except ValueError:
            pass
    return moment.replace(tzinfo=local_tz)
