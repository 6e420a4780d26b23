"""What the forensics a reviewer is shown say against an outcome, before the decision is sent.

The review page shows each photo's capture time (EXIF) beside the order's delivery date. An outcome
that the facts on the same page contradict (upheld on photos taken before the goods arrived) is
worth a second look, not a refusal: the reviewer may know why (a photo of the listing, say), and
says so in the statement. So these are warnings the page shows for the outcome chosen.
"""

from datetime import datetime
from typing import Any

# The outcomes that find for the reporter: the ones the reporter's own evidence must carry.
FOR_REPORTER = ("upheld", "partly_upheld")


def outcome_warnings(evidence: list[dict[str, Any]], delivered: datetime | None) -> list[dict[str, Any]]:
    """Return the warnings for each outcome: a code, the outcomes it concerns, and the facts it rests on.

    `evidence` is the case's evidence as the workspace reads it (party, content_type, captured_at as a
    datetime or None, file_name). Edge cases: no delivery date or no capture time → nothing to compare,
    no warning; the merchant's files never count against the reporter.
    One rule today (photos_before_delivery); a new one is a new code the page words.
    """
    photos = [e for e in evidence if e["party"] == "reporter" and e["content_type"].startswith("image/")]
    warnings: list[dict[str, Any]] = []
    if delivered is not None:
        before = [e for e in photos if e.get("captured_at") is not None and e["captured_at"] < delivered]
        if before:
            warnings.append(
                {
                    "code": "photos_before_delivery",
                    "outcomes": FOR_REPORTER,
                    "files": [e["file_name"] for e in before],
                    "earliest": min(e["captured_at"] for e in before),
                    "delivered": delivered,
                    "all": len(before) == len(photos),
                }
            )
    return warnings
