"""Helpers for browser tests: photos as file payloads, dropping a file, checking every field has a label."""

import base64

from tests import factories


def photo(color: str, size: tuple[int, int] = (320, 240)) -> dict:
    """Return a JPEG as a Playwright file payload named after its colour."""
    return {"name": f"{color}.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg(color, size)}


def drop(page, selector: str, file: dict) -> None:
    """Drop `file` on `selector` as a person dragging it from their desktop would."""
    page.evaluate(
        """([selector, name, type, b64]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type}));
            const zone = document.querySelector(selector);
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""",
        [selector, file["name"], file["mimeType"], base64.b64encode(file["buffer"]).decode()],
    )


UNLABELLED = """() => Array.from(document.querySelectorAll("input, select, textarea"))
    .filter(el => el.type !== "hidden" && !(el.labels && el.labels.length)
                  && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
    .map(el => el.name || el.id)"""


def assert_fields_labelled(page) -> None:
    """Fail if a visible form field of the page has no label a screen reader would announce."""
    assert page.evaluate(UNLABELLED) == [], page.url
