"""Evidence forensics at intake: flags a reviewer should know about a photo, each with what it rests on.

- `copy`: the same photo, or a near copy of it (resized, re-compressed, cropped a little), was already
  sent in another case: by another consumer, against another merchant, or by a merchant.
- `before_delivery`: a reporter's photo taken before the order was delivered.
- `no_capture_time`: a photo with no EXIF capture time (a screenshot, a picture saved from the web).
- `edited`: the EXIF Software tag names a photo editor (Photoshop, Snapseed, Meitu …).

Flags inform people; they never refuse a file or a report. Near copies are found by the perceptual
hash (imagehash.phash, 64 bits) stored in four 16-bit bands, each indexed: the lookup asks each
band's index for 17 values (the band and its 16 one-bit neighbours, a UNION ALL of four index-only
scans on PostgreSQL), then checks the distance of those candidates in Python (NEAR_COPY_DISTANCE
says what that finds). docs/evidence.md, "Forensics".
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy

from plaint.db import select_rows

from .models import Evidence, EvidenceFlag, FlagCode, Party

BANDS = 4
BAND_BITS = 16
BAND_MASK = (1 << BAND_BITS) - 1
# Hamming distance (of 64 bits) up to which a photo is a near copy. Resizing and re-compressing move a
# phash by 0 to 4 bits, cropping 3 % off each side by 6 to 8; unrelated photos are about 32 apart.
# Up to 7 differing bits, pigeonhole guarantees a band with at most one (the probes find it); at 8,
# the only miss is 2 bits in every band, about 1 near copy in 20.
NEAR_COPY_DISTANCE = 8
# Candidates read per lookup at most: a flat picture (a blank screenshot) has a hash many share.
MAX_CANDIDATES = 2000
# Other cases named in one flag's details; `count` says how many there were.
MAX_MATCHES = 5
# Same files counted at most for a flat picture's flag (same_files).
MAX_SAME_FILES = 50
# A phash sets about half its bits (each DCT coefficient against their median). A flat picture (one
# colour, a blank page) sets almost none: its hash says nothing about the picture, and is shared by
# every other flat one, so only the very same file is looked for (FLAT_BITS or fewer set, or unset).
FLAT_BITS = 8
# Photo editors as they write the EXIF Software tag (lower case, matched as substrings). Camera apps
# write their own name or a firmware version there, which is not editing.
EDITING_SOFTWARE = (
    "photoshop",
    "lightroom",
    "gimp",
    "snapseed",
    "meitu",
    "美图",
    "xingtu",
    "醒图",
    "picsart",
    "pixelmator",
    "affinity photo",
    "canva",
    "vsco",
    "facetune",
    "paint.net",
    "fotor",
    "polarr",
    "photoscape",
    "pixlr",
    "befunky",
    "luminar",
    "capture one",
    "acdsee",
    "beautycam",
    "美颜",
    "inshot",
)


def signed(value: int) -> int:
    """Return a 64-bit unsigned hash as the signed integer a database's bigint holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def unsigned(value: int) -> int:
    """Return a stored (signed) hash as the 64-bit unsigned integer it is."""
    return value & ((1 << 64) - 1)


def bands(phash: int) -> list[int]:
    """Return the four 16-bit bands of a 64-bit unsigned hash, the highest first."""
    return [(phash >> (BAND_BITS * (BANDS - 1 - n))) & BAND_MASK for n in range(BANDS)]


def hash_fields(phash: int | None) -> dict[str, int | None]:
    """Return the Evidence fields that store `phash` (None for a file that is not a photo)."""
    parts = bands(phash) if phash is not None else [None] * BANDS
    return {"phash": signed(phash) if phash is not None else None} | {
        f"phash_band_{n}": part for n, part in enumerate(parts)
    }


def _probes(band: int) -> list[int]:
    return [band] + [band ^ (1 << bit) for bit in range(BAND_BITS)]


def candidates_sql(phash: int, exclude_case_id: int | None) -> tuple[str, list[int | list[int]]]:
    """Return the UNION ALL of four parts reading (id, phash) of photos sharing a band with `phash` within a bit."""
    quote = connection.ops.quote_name
    table = quote(Evidence._meta.db_table)
    # PostgreSQL takes each band's probes as one array: a statement of a few parameters, whose text
    # psycopg parses once and PostgreSQL plans once per connection (sixty-eight separate values were
    # parsed afresh at every lookup). SQLite has no arrays: IN with each value.
    arrays = connection.vendor == "postgresql"
    parts, params = [], []
    for n, band in enumerate(bands(phash)):
        probes = _probes(band)
        if arrays:
            where = f"phash_band_{n} = ANY(%s)"
            params.append(probes)
        else:
            where = f"phash_band_{n} IN ({', '.join(['%s'] * len(probes))})"
            params += probes
        if exclude_case_id is not None:
            where += " AND case_id <> %s"
            params.append(exclude_case_id)
        parts.append(f"SELECT id, phash FROM {table} WHERE {where}")
    return " UNION ALL ".join(parts) + f" LIMIT {MAX_CANDIDATES}", params


def near_copies_of(phashes: list[int], *, exclude_case_id: int | None = None) -> list[list[tuple[int, int]]]:
    """Return, for each hash, (evidence id, distance) of stored photos within NEAR_COPY_DISTANCE, nearest first.

    One statement for all of them (a report's photos are looked up together): for each hash a UNION ALL
    of four parts, each asking one band's index for the band and its one-bit neighbours (an index-only
    scan on PostgreSQL), at most MAX_CANDIDATES candidates each. Photos of the case `exclude_case_id`
    are left out. Written as SQL: composing it with the ORM cost more CPU than the lookup itself.
    """
    if not phashes:
        return []
    pieces, params = [], []
    for n, phash in enumerate(phashes):
        sql, part = candidates_sql(phash, exclude_case_id)
        pieces.append(f"SELECT {n} AS photo, id, phash FROM ({sql}) AS photo_{n}")
        params += part
    found: list[dict[int, int]] = [{} for _ in phashes]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(pieces), params)
        for n, pk, stored in cursor.fetchall():
            # A photo near in two bands comes twice.
            found[n][pk] = (unsigned(stored) ^ phashes[n]).bit_count()
    return [
        sorted(((pk, d) for pk, d in near.items() if d <= NEAR_COPY_DISTANCE), key=lambda m: (m[1], m[0]))
        for near in found
    ]


def near_copies(phash: int, *, exclude_case_id: int | None = None) -> list[tuple[int, int]]:
    """Return (evidence id, distance) of stored photos within NEAR_COPY_DISTANCE of `phash`, nearest first.

    One statement (near_copies_of). Photos of the case `exclude_case_id` are left out.
    """
    return near_copies_of([phash], exclude_case_id=exclude_case_id)[0]


def flat(phash: int) -> bool:
    """Return whether a hash is that of a flat picture, too plain to compare (FLAT_BITS)."""
    return not FLAT_BITS < phash.bit_count() < 64 - FLAT_BITS


def same_files(sha256: str, *, exclude_case_id: int | None = None) -> list[tuple[int, int]]:
    """Return (evidence id, 0) of stored files with this SHA-256, at most MAX_SAME_FILES (its index)."""
    # Asked for every photo filed: written as SQL (the ORM's composing cost more than the lookup).
    sql = f"SELECT id FROM {Evidence._meta.db_table} WHERE sha256 = %s"
    params: list[object] = [sha256]
    if exclude_case_id is not None:
        sql += " AND case_id <> %s"
        params.append(exclude_case_id)
    return [(pk, 0) for (pk,) in select_rows(sql + " LIMIT %s", [*params, MAX_SAME_FILES])]


def edited_by(software: str) -> bool:
    """Return whether an EXIF Software tag names a photo editor."""
    lowered = software.lower()
    return any(name in lowered for name in EDITING_SOFTWARE)


def _copy_details(evidence: Evidence, matches: list[tuple[int, int]]) -> dict[str, Any]:
    case = evidence.case
    rows = {
        row["pk"]: row
        for row in Evidence.objects.filter(pk__in=[pk for pk, _ in matches[:MAX_MATCHES]]).values(
            "pk", "party", "sha256", "case__reference", "case__reporter_id", "case__merchant_id"
        )
    }
    items = []
    for pk, distance in matches[:MAX_MATCHES]:
        row = rows[pk]
        if row["party"] == Party.REPORTER:
            by = (
                "same_reporter"
                if case.reporter_id is not None and row["case__reporter_id"] == case.reporter_id
                else "other_consumer"
            )
        elif row["party"] == Party.MERCHANT:
            by = "this_merchant" if row["case__merchant_id"] == case.merchant_id else "other_merchant"
        else:
            by = "platform"
        items.append(
            {
                "case": row["case__reference"],
                "evidence_id": pk,
                "by": by,
                "against": "same_merchant" if row["case__merchant_id"] == case.merchant_id else "other_merchant",
                "distance": distance,
                "same_file": row["sha256"] == evidence.sha256,
            }
        )
    return {"count": len(matches), "matches": items}


def screen(evidence: Iterable[Evidence], *, delivered_at: datetime | None, now: datetime) -> list[EvidenceFlag]:
    """Write and return the flags of newly stored evidence of one case.

    `delivered_at` is the order's delivery (None for listing and merchant reports, or not delivered).
    Only photos are screened; a reporter's photo alone is compared with the delivery date (a merchant's
    packing photo is taken before it as a matter of course).
    """
    photos = [item for item in evidence if item.phash is not None]
    # The near copies of a case's photos that are not flat, in one statement.
    shaped: dict[int, list[Evidence]] = {}
    for item in photos:
        if not flat(unsigned(item.phash)):
            shaped.setdefault(item.case_id, []).append(item)
    near: dict[int, list[tuple[int, int]]] = {}
    for case_id, items in shaped.items():
        found = near_copies_of([unsigned(item.phash) for item in items], exclude_case_id=case_id)
        near.update(zip((item.pk for item in items), found, strict=True))
    flags = []
    for item in photos:
        if item.pk in near:
            matches = near[item.pk]
        else:
            matches = same_files(item.sha256, exclude_case_id=item.case_id)
        if matches:
            flags.append(EvidenceFlag(evidence=item, code=FlagCode.COPY, details=_copy_details(item, matches)))
        if item.captured_at is None:
            flags.append(EvidenceFlag(evidence=item, code=FlagCode.NO_CAPTURE_TIME, details={}))
        elif item.party == Party.REPORTER and delivered_at is not None and item.captured_at < delivered_at:
            flags.append(
                EvidenceFlag(
                    evidence=item,
                    code=FlagCode.BEFORE_DELIVERY,
                    details={"captured_at": item.captured_at.isoformat(), "delivered_at": delivered_at.isoformat()},
                )
            )
        if item.software and edited_by(item.software):
            flags.append(EvidenceFlag(evidence=item, code=FlagCode.EDITED, details={"software": item.software}))
    for flag in flags:
        flag.flagged_at = now
    if flags:
        EvidenceFlag.objects.bulk_create(flags)
    return flags


BY = {
    "same_reporter": gettext_lazy("by this reporter"),
    "other_consumer": gettext_lazy("by another consumer"),
    "this_merchant": gettext_lazy("by this merchant itself"),
    "other_merchant": gettext_lazy("by another merchant"),
    "platform": gettext_lazy("by the platform"),
}
AGAINST = {
    "same_merchant": gettext_lazy("against this merchant"),
    "other_merchant": gettext_lazy("against another merchant"),
}


def _when(value: str) -> str:
    return formats.date_format(timezone.localtime(datetime.fromisoformat(value)), "DATETIME_FORMAT")


def reason(flag: EvidenceFlag) -> str:
    """Return why the flag was raised, in the active language, from its details."""
    details = flag.details or {}
    if flag.code == FlagCode.COPY:
        texts = []
        for match in details.get("matches", []):
            what = (
                gettext("The same photo")
                if match["same_file"]
                else gettext("A near copy of this photo (%(distance)s of 64 hash bits differ)") % match
            )
            words = {"what": what, "case": match["case"], "by": BY[match["by"]]}
            if match["by"] in ("same_reporter", "other_consumer"):
                words["against"] = AGAINST[match["against"]]
                texts.append(gettext("%(what)s was already sent in case %(case)s, %(by)s, %(against)s.") % words)
            else:
                texts.append(gettext("%(what)s was already sent in case %(case)s, %(by)s.") % words)
        if details.get("count", 0) > len(texts):
            texts.append(gettext("%(count)s matching photos in other cases in all.") % details)
        return " ".join(texts)
    if flag.code == FlagCode.BEFORE_DELIVERY:
        return gettext("Taken %(captured)s, before the order was delivered (%(delivered)s).") % {
            "captured": _when(details["captured_at"]),
            "delivered": _when(details["delivered_at"]),
        }
    if flag.code == FlagCode.NO_CAPTURE_TIME:
        return gettext(
            "No capture time in the file: a screenshot, a picture saved from the web, "
            "or a photo whose EXIF was removed."
        )
    return gettext("The file says it was edited with %(software)s.") % details


def flag_item(flag: EvidenceFlag) -> dict[str, Any]:
    """Return a flag as the API and the review page show it: code, reason (active language), details."""
    return {"code": flag.code, "reason": reason(flag), "details": flag.details}
