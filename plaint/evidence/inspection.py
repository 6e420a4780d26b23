"""Inspecting an uploaded evidence file: what it really is, its hash, when it was taken, and the
copy the other party may see (GPS data removed). Pure: content in, facts out.

The content is bytes or a binary file open for reading (an upload Django streamed to disk): it is read
in chunks, and an image's pixels are decoded only once its header shows a size within the limit.
"""

import codecs
import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import IO

import filetype
import imagehash
from PIL import Image

IMAGE_TYPES = {"image/jpeg": (".jpg", "JPEG"), "image/png": (".png", "PNG"), "image/webp": (".webp", "WEBP")}
ACCEPTED = "JPEG, PNG or WebP photos, PDF documents, or plain-text chat logs"
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
DATETIME = 0x0132
SOFTWARE = 0x0131
CHUNK = 1024 * 1024
# filetype decides from the first 8 KiB (filetype.utils._NUM_SIGNATURE_BYTES).
HEAD = 8192


@dataclass(frozen=True)
class Inspected:
    """What a file is. `shared_bytes` is the copy for the other party, or None when it is the file itself.

    For photos also their perceptual hash (`phash`, 64 bits, unsigned) and the EXIF Software tag.
    """

    content_type: str
    extension: str
    size: int
    sha256: str
    captured_at: datetime | None
    had_location: bool
    shared_bytes: bytes | None
    phash: int | None = None
    software: str = ""


class EvidenceRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def size_text(size: int) -> str:
    """Return a byte count for people: 10485760 -> "10 MB", 1572864 -> "1.5 MB", 3277 -> "3.2 KB"."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{size / 1024:.1f}".rstrip("0").rstrip(".") + " KB"


def megapixels(pixels: int) -> str:
    """Return a pixel count as megapixels for people: 50000000 -> "50", 79000000 -> "79"."""
    return f"{pixels / 1_000_000:.1f}".rstrip("0").rstrip(".")


def as_file(content: bytes | IO[bytes]) -> IO[bytes]:
    """Return `content` as a binary file positioned at its start."""
    stream = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    stream.seek(0)
    return stream


def size_of(content: bytes | IO[bytes]) -> int:
    """Return the size in bytes of `content` without reading it."""
    if isinstance(content, bytes | bytearray):
        return len(content)
    size = content.seek(0, io.SEEK_END)
    content.seek(0)
    return size


def inspect(
    content: bytes | IO[bytes],
    filename: str,
    *,
    max_bytes: int,
    local_tz: tzinfo,
    max_pixels: int,
) -> Inspected:
    """Return what the file is, judged from its content only; raise EvidenceRejected if it can't be used.

    The size limit is checked before anything is read, the pixel limit before anything is decoded.
    """
    size = size_of(content)
    if not size:
        raise EvidenceRejected("empty", f"{filename} is empty. Choose the file again.")
    if size > max_bytes:
        raise EvidenceRejected(
            "too_large",
            f"{filename} is {size_text(size)}; the limit is {size_text(max_bytes)}. "
            "Send a smaller photo, or split the PDF.",
        )
    stream = as_file(content)
    digest = hashlib.file_digest(stream, "sha256").hexdigest()
    stream.seek(0)
    head = stream.read(HEAD)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in IMAGE_TYPES:
        return _image(stream, filename, mime, size, digest, local_tz, max_pixels)
    if mime == "application/pdf" or head.startswith(b"%PDF-"):
        stream.seek(max(0, size - 1024))
        if not head.startswith(b"%PDF-") or b"%%EOF" not in stream.read():
            raise EvidenceRejected("corrupt_pdf", f"{filename} is not a complete PDF. Save or export it again.")
        return Inspected("application/pdf", ".pdf", size, digest, None, False, None)
    if mime is None and _is_text(stream):
        return Inspected("text/plain", ".txt", size, digest, None, False, None)
    raise EvidenceRejected("unsupported_type", f"{filename} is not a file Plaint accepts. Send {ACCEPTED}.")


def _is_text(stream: IO[bytes]) -> bool:
    """Return whether the whole file decodes as UTF-8 or GB 18030 text without NUL bytes, chunk by chunk."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        stream.seek(0)
        try:
            while chunk := stream.read(CHUNK):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _too_many_pixels(filename: str, width: int, height: int, max_pixels: int) -> EvidenceRejected:
    return EvidenceRejected(
        "too_many_pixels",
        f"{filename} is {width} x {height} pixels ({megapixels(width * height)} megapixels); the limit is "
        f"{megapixels(max_pixels)} megapixels. Send a smaller image.",
    )


def _image(
    stream: IO[bytes], filename: str, mime: str, size: int, digest: str, local_tz: tzinfo, max_pixels: int
) -> Inspected:
    extension, pil_format = IMAGE_TYPES[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            stream.seek(0)
            with warnings.catch_warnings():
                # The check below names the size; past twice the limit Pillow raises at open all the same.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                # Image.open reads the header only: the size is known before a pixel is decoded.
                probe = Image.open(stream)
            with probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise _too_many_pixels(filename, width, height, max_pixels)
                probe.verify()
            stream.seek(0)
            image = Image.open(stream)
            full_size = image.size
            if pil_format == "JPEG" and not _jpeg_has_location(image):
                # Nothing will be re-encoded, so decode at 1/8 scale: every block's data is still
                # read (a cut-short file still fails), at a fraction of the cost of a phone photo's pixels.
                image.draft(image.mode, (1, 1))
            image.load()
    except EvidenceRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Past Image.MAX_IMAGE_PIXELS (set from PLAINT_EVIDENCE_MAX_PIXELS when the app starts): Pillow
        # refuses at open, before the size above could be read.
        raise EvidenceRejected(
            "too_many_pixels",
            f"{filename} has too many pixels to be a photo; the limit is {megapixels(max_pixels)} megapixels. "
            "Send a smaller image.",
        ) from None
    except Exception:
        raise EvidenceRejected(
            "corrupt_image", f"{filename} is damaged or cut short. Take or export it again."
        ) from None
    if image.format != pil_format:
        raise EvidenceRejected("corrupt_image", f"{filename} does not decode as the image it claims to be.")
    exif = image.getexif()
    captured_at = _captured_at(exif, local_tz)
    software = exif.get(SOFTWARE)
    software = software.strip("\x00 ")[:200] if isinstance(software, str) else ""
    # On the image as decoded above (a JPEG at 1/8 scale): a 32 x 32 grey copy is all the hash reads.
    phash = int(str(imagehash.phash(image)), 16)
    has_gps = bool(exif.get_ifd(GPS_IFD)) or GPS_IFD in exif
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    had_location = has_gps or (bool(xmp) and b"GPS" in (xmp if isinstance(xmp, bytes) else str(xmp).encode()))
    shared = None
    if has_gps or xmp:
        if image.size != full_size:  # decoded at reduced scale: the copy needs every pixel
            stream.seek(0)
            image = Image.open(stream)
            exif = image.getexif()
        shared = _without_location(image, exif, pil_format)
    return Inspected(mime, extension, size, digest, captured_at, had_location, shared, phash, software)


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
