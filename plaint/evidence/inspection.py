"""Inspecting an uploaded evidence file: what it really is, its hash, when it was taken, the copy the
other party may see (GPS data removed), and the small derived images the pages show (a thumbnail, a
JPEG of an iPhone's HEIC photo). Pure: content in, facts out.

The content is bytes or a binary file open for reading (an upload Django streamed to disk): it is read
in chunks, and an image's pixels are decoded only once its header shows a size within the limit.
"""

import codecs
import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime, tzinfo
from struct import error as struct_error
from typing import IO

import filetype
import imagehash
import mutagen
from mutagen.mp4 import MP4
from PIL import Image, ImageOps

IMAGE_TYPES = {
    "image/jpeg": (".jpg", "JPEG"),
    "image/png": (".png", "PNG"),
    "image/webp": (".webp", "WEBP"),
    # iPhones' photos (pillow-heif opens them; the evidence app registers it at start-up).
    "image/heic": (".heic", "HEIF"),
    "image/heif": (".heif", "HEIF"),
}
# Short videos, recognised by the ISO base media file's `ftyp` box (MP4; QuickTime's MOV is its parent).
VIDEO_TYPES = {"video/mp4": ".mp4", "video/quicktime": ".mov"}
# filetype names MP4 files of Apple's M4V brand apart; they are MP4 all the same.
VIDEO_ALIASES = {"video/x-m4v": "video/mp4"}
ACCEPTED = "JPEG, PNG, WebP or HEIC photos, PDF documents, or plain-text chat logs"
ACCEPTED_WITH_VIDEO = "JPEG, PNG, WebP or HEIC photos, MP4 or MOV videos, PDF documents, or plain-text chat logs"
# The derived images: a thumbnail for the pages' galleries, and a JPEG to view a photo the browser
# cannot show (HEIC), no larger than this on its long side.
THUMBNAIL_PX = 320
VIEW_MAX_PX = 2560
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
DATETIME = 0x0132
SOFTWARE = 0x0131
ORIENTATION = 0x0112
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
    # A small JPEG for the pages (images only), without any metadata.
    thumbnail: bytes | None = None
    # A JPEG to view in the page when browsers cannot show the original (HEIC), without any metadata.
    view_bytes: bytes | None = None
    # A video's length in seconds, read from its container.
    duration: float | None = None


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
    max_video_bytes: int | None = None,
    max_video_seconds: int | None = None,
) -> Inspected:
    """Return what the file is, judged from its content only; raise EvidenceRejected if it can't be used.

    The size limit is checked before anything but the first 8 KiB is read (a video's limit is its
    own, `max_video_bytes`), the pixel limit before anything is decoded. Without `max_video_bytes`
    (a rulebook version that takes no video) a video is an unsupported type.
    """
    size = size_of(content)
    if not size:
        raise EvidenceRejected("empty", f"{filename} is empty. Choose the file again.")
    videos = max_video_bytes is not None and max_video_seconds is not None
    accepted = ACCEPTED_WITH_VIDEO if videos else ACCEPTED
    if size > max(max_bytes, max_video_bytes or 0):
        raise _too_large(filename, size, max_bytes, max_video_bytes)
    stream = as_file(content)
    head = stream.read(HEAD)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    mime = VIDEO_ALIASES.get(mime, mime)
    if mime in VIDEO_TYPES and not videos:
        raise EvidenceRejected(
            "videos_not_accepted", f"{filename} is a video; under this report's rules Plaint accepts {accepted}."
        )
    if size > (max_video_bytes if mime in VIDEO_TYPES else max_bytes):
        raise _too_large(filename, size, max_bytes, max_video_bytes)
    stream.seek(0)
    digest = hashlib.file_digest(stream, "sha256").hexdigest()
    if mime in VIDEO_TYPES:
        duration = _video_duration(stream, filename, max_video_seconds)
        return Inspected(mime, VIDEO_TYPES[mime], size, digest, None, False, None, duration=duration)
    if mime in IMAGE_TYPES:
        return _image(stream, filename, mime, size, digest, local_tz, max_pixels)
    if mime == "application/pdf" or head.startswith(b"%PDF-"):
        stream.seek(max(0, size - 1024))
        if not head.startswith(b"%PDF-") or b"%%EOF" not in stream.read():
            raise EvidenceRejected("corrupt_pdf", f"{filename} is not a complete PDF. Save or export it again.")
        return Inspected("application/pdf", ".pdf", size, digest, None, False, None)
    if mime is None and _is_text(stream):
        return Inspected("text/plain", ".txt", size, digest, None, False, None)
    raise EvidenceRejected("unsupported_type", f"{filename} is not a file Plaint accepts. Send {accepted}.")


def _too_large(filename: str, size: int, max_bytes: int, max_video_bytes: int | None) -> EvidenceRejected:
    video = f", or {size_text(max_video_bytes)} for a video" if max_video_bytes else ""
    return EvidenceRejected(
        "too_large",
        f"{filename} is {size_text(size)}; the limit is {size_text(max_bytes)}{video}. "
        "Send a smaller photo or a shorter video, or split the PDF.",
    )


def _video_duration(stream: IO[bytes], filename: str, max_seconds: int | None) -> float:
    """Return the video's length in seconds from its movie header (`mvhd`); refuse a damaged or long one.

    mutagen walks the boxes and seeks past the media data, so the frames are never read.
    """
    stream.seek(0)
    try:
        length = float(MP4(stream).info.length)
    except (mutagen.MutagenError, ValueError, OverflowError, struct_error):
        length = 0.0
    if not length > 0:
        raise EvidenceRejected("corrupt_video", f"{filename} is damaged or cut short: its length cannot be read.")
    if max_seconds is not None and length > max_seconds:
        raise EvidenceRejected(
            "too_long",
            f"{filename} is {round(length)} seconds long; the limit is {max_seconds} seconds. "
            "Send a shorter clip, or cut it into parts.",
        )
    return round(length, 3)


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
                # Nothing will be re-encoded but the thumbnail, so decode at the smallest scale (of 1/2,
                # 1/4, 1/8) still larger than it: every block's data is still read (a cut-short file
                # still fails), at a fraction of the cost of a phone photo's pixels.
                image.draft(image.mode, (THUMBNAIL_PX, THUMBNAIL_PX))
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
    # On the image as decoded above (a JPEG at the smallest scale still past the thumbnail): a 32 x 32
    # grey copy is all the hash reads.
    phash = int(str(imagehash.phash(image)), 16)
    has_gps = bool(exif.get_ifd(GPS_IFD)) or GPS_IFD in exif
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    had_location = has_gps or (bool(xmp) and b"GPS" in (xmp if isinstance(xmp, bytes) else str(xmp).encode()))
    orientation = exif.get(ORIENTATION)
    thumbnail = _jpeg(image, THUMBNAIL_PX, orientation)
    view = _jpeg(image, VIEW_MAX_PX, orientation) if pil_format == "HEIF" else None
    shared = None
    if has_gps or xmp:
        if image.size != full_size:  # decoded at reduced scale: the copy needs every pixel
            stream.seek(0)
            image = Image.open(stream)
            exif = image.getexif()
        shared = _without_location(image, exif, pil_format)
    return Inspected(
        mime,
        extension,
        size,
        digest,
        captured_at,
        had_location,
        shared,
        phash,
        software,
        thumbnail=thumbnail,
        view_bytes=view,
    )


def _jpeg(image: Image.Image, longest: int, orientation: object) -> bytes:
    """Return the image as a JPEG no larger than `longest` pixels a side, turned upright, with no metadata.

    Nothing of the original's EXIF or XMP is written, so the copy carries no location and both
    parties may see it. Transparency is laid on white.
    """
    copy = image.copy()
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        copy.getexif()[ORIENTATION] = orientation
        copy = ImageOps.exif_transpose(copy)
    copy.thumbnail((longest, longest))
    if copy.mode in ("RGBA", "LA", "P", "PA"):
        copy = copy.convert("RGBA")
        background = Image.new("RGB", copy.size, "white")
        background.paste(copy, mask=copy.getchannel("A"))
        copy = background
    elif copy.mode != "RGB":
        copy = copy.convert("RGB")
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def _jpeg_has_location(image: Image.Image) -> bool:
    """Return whether an opened, not yet decoded JPEG carries GPS EXIF or XMP (both are read at open)."""
    exif = image.getexif()
    return bool(image.info.get("xmp")) or GPS_IFD in exif or bool(exif.get_ifd(GPS_IFD))


def _without_location(image: Image.Image, exif: Image.Exif, pil_format: str) -> bytes:
    """Return the image saved again without the GPS IFD and the XMP packet; pixels and other EXIF kept."""
    exif.get_ifd(EXIF_IFD)  # loaded so it is written back
    if GPS_IFD in exif:
        del exif[GPS_IFD]
    # Pillow (and pillow-heif) write the image's own XMP packet back unless it is gone from `info`.
    for key in ("xmp", "XML:com.adobe.xmp"):
        image.info.pop(key, None)
    options: dict[str, object] = {"exif": exif.tobytes()}
    if pil_format == "JPEG":
        options["quality"] = "keep"  # re-use the original quantisation: no visible loss
        if image.info.get("icc_profile"):
            options["icc_profile"] = image.info["icc_profile"]
    elif pil_format == "WEBP":
        options["lossless"] = image.info.get("lossless", False)
        options["quality"] = 95
    elif pil_format == "HEIF":
        options["quality"] = 90
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
