"""The limits every input meets, whichever way it comes in: API, pages, import, CLI.

Text holds no NUL character (PostgreSQL cannot store one in text), timestamps lie between 2000 and
2100, integers fit the database's columns, e-mail addresses fit RFC 5321's 254 characters. Each limit
is refused as invalid input naming the field, never by the database as a server error.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from django.conf import settings
from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from plaint.errors import InvalidInput

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# The largest id a BigAutoField holds (signed 64-bit on both databases).
MAX_ID = 2**63 - 1
# Pages of 50 rows: a million pages is far beyond any list Plaint keeps.
MAX_PAGE = 1_000_000
# RFC 5321: a forward path is at most 256 octets including the angle brackets.
MAX_EMAIL = 254
# Items of one order line; PositiveIntegerField holds 2**31 - 1, no order holds this many.
MAX_QUANTITY = 1_000_000


def nul_path(value: Any, path: str = "") -> str | None:
    """Return the dotted path of the first string holding a NUL character in `value`, or None.

    Walks dicts (keys and values) and lists; a NUL in a key names the key's own path. The top-level
    string's path is "" (the caller knows its field name).
    """
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                return child.replace("\x00", "\\0")
            if (found := nul_path(item, child)) is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := nul_path(item, f"{path}.{index}" if path else str(index))) is not None:
                return found
    return None


def nul_message(field: str) -> str:
    """Return the message that refuses a NUL character in `field`."""
    return f"{field or 'The input'} contains a NUL character (\\u0000), which no text field accepts."


NUL_HINT = "Remove the NUL characters (\\u0000, %00) from the text and send it again."


def too_many_files_sent() -> InvalidInput:
    """Return the refusal of a request with more files than Django parses (DATA_UPLOAD_MAX_NUMBER_FILES).

    Below that number, check_uploads refuses the files past PLAINT_EVIDENCE_MAX_FILES one by one.
    """
    return InvalidInput(
        "too_many_files",
        f"The request carries more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files.",
        field="evidence",
        hint=f"Send at most {settings.PLAINT_EVIDENCE_MAX_FILES} files per request.",
    )


class Input(BaseModel):
    """Base of every input model: no text anywhere in it (nested dicts and lists too) holds a NUL character."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        # Nested models validated themselves; their field names come back through pydantic's location.
        if isinstance(value, BaseModel):
            return value
        found = nul_path(value)
        if found is not None:
            raise PydanticCustomError(
                "nul_character",
                "contains a NUL character (\\u0000){where}; remove it",
                {"where": f" at {found}" if found else ""},
            )
        return value


def _in_range(value: datetime | date) -> datetime | date:
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        inside = EARLIEST <= moment < LATEST
    except OverflowError:  # an offset that carries the time past year 9999 or before year 1
        inside = False
    if not inside:
        raise PydanticCustomError("time_out_of_range", "must lie between 2000-01-01 and 2100-01-01")
    return value


Timestamp = Annotated[datetime, AfterValidator(_in_range)]
Day = Annotated[date, AfterValidator(_in_range)]
Email = Annotated[str, Field(max_length=MAX_EMAIL)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
