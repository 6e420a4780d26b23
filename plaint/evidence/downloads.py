"""How an evidence file is handed to a browser: its type, its name, and whether it may open in the page.

Evidence comes from the other party, so a file must never run as part of Plaint's site. Only the
photo types Plaint decodes and shows (JPEG, PNG, WebP) and the videos it reads (MP4, MOV: media,
which runs nothing) are served inline; everything else (HEIC originals, PDFs, chat logs, any type
added later) is a download. The name's extension follows the type sniffed at
upload, never the uploader's: a PDF named "photo.jpg" downloads as "photo.pdf".
"""

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from .inspection import IMAGE_TYPES, VIDEO_TYPES

# The types shown in the page (the review gallery, the portals' thumbnails, <video>). Browsers other
# than Safari cannot show HEIC: the pages show its JPEG copy, and the original is a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", *VIDEO_TYPES})
EXTENSIONS = (
    {mime: extension for mime, (extension, _) in IMAGE_TYPES.items()}
    | VIDEO_TYPES
    | {"application/pdf": ".pdf", "text/plain": ".txt"}
)
# What a stored type Plaint does not know (none today) is served as: bytes to save, nothing to render.
UNKNOWN_TYPE = "application/octet-stream"
# Characters no file system or header should receive: path separators, quotes, wildcards, controls.
_UNSAFE = re.compile(r'[\\/:*?"<>|;\x00-\x1f\x7f]+')
_STEM_MAX = 100


@dataclass(frozen=True)
class Download:
    content_type: str
    filename: str
    content_disposition: str


def file_name(original_name: str, content_type: str, fallback: str) -> str:
    """Return the name to save the file as: the uploader's name without its extension, plus the type's.

    The uploader's path (a browser's "C:\\fakepath\\...") and unsafe characters are dropped; an
    empty name becomes `fallback`. Unknown types get ".bin".
    """
    base = re.split(r"[\\/]", original_name)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", stem)).strip(" ._")[:_STEM_MAX].strip(" ._")
    return (stem or fallback) + EXTENSIONS.get(content_type, ".bin")


def content_disposition(disposition: str, filename: str, ascii_fallback: str) -> str:
    """Return a Content-Disposition value (RFC 6266): `filename`, and `filename*` in UTF-8 when not ASCII.

    A name that is not ASCII (a Chinese one) goes in `filename*=UTF-8''<percent-encoded>`, which
    every current browser reads; `filename` then carries `ascii_fallback` for clients that do not.
    """
    if filename.isascii():
        return f'{disposition}; filename="{filename}"'
    return f"{disposition}; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_for(evidence_id: int, original_name: str, content_type: str) -> Download:
    """Return how to serve a stored evidence file: its Content-Type, file name and Content-Disposition."""
    served_type = content_type if content_type in EXTENSIONS else UNKNOWN_TYPE
    fallback = f"evidence-{evidence_id}"
    name = file_name(original_name, served_type, fallback)
    disposition = "inline" if served_type in INLINE_TYPES else "attachment"
    ascii_name = fallback + EXTENSIONS.get(served_type, ".bin")
    return Download(served_type, name, content_disposition(disposition, name, ascii_name))
