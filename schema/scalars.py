"""The date scalars: RFC 3339 out, and nothing but RFC 3339 in.

Strawberry's own `DateTime` and `Date` print `+00:00` and take whatever `fromisoformat` takes
(`2023-W02`, a bare date, a space for `T`, no offset); clients and their code generators expect
RFC 3339 section 5.6 both ways. `SCALAR_OVERRIDES` puts these in place of Strawberry's for every
`datetime` and `date` annotation, plugins' included.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import ciso8601
import strawberry
from strawberry.types.scalar import ScalarDefinition

RFC_3339 = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ZERO = timedelta(0)


def format_date_time(value: datetime) -> str:
    """`2024-06-10T08:45:00Z`: UTC as `Z`, other offsets as they are, fractional seconds only
    when there are some."""
    if value.utcoffset() == _ZERO:
        return value.replace(tzinfo=None).isoformat() + "Z"
    if value.tzinfo is None:
        raise ValueError(f"a date-time without an offset cannot be given out: {value}")
    return value.isoformat()


def parse_date_time(value: object) -> datetime:
    """An aware datetime in UTC from an RFC 3339 `date-time` string."""
    if not isinstance(value, str):
        raise ValueError(f"expected an RFC 3339 date-time string, got {type(value).__name__}")
    try:
        parsed = ciso8601.parse_rfc3339(value)
        # ciso8601 is strict about everything but the separator, where RFC 3339 lets
        # applications agree on a space; we do not.
        if value[10] not in ("T", "t"):
            raise ValueError("the date and the time must be separated by `T`")
    except ValueError as error:
        raise ValueError(
            f"not an RFC 3339 date-time such as 2024-06-10T08:45:00Z: {error}"
        ) from None
    return parsed.astimezone(UTC)


def parse_date(value: object) -> date:
    """A date from an RFC 3339 `full-date` string, `YYYY-MM-DD`."""
    if not isinstance(value, str):
        raise ValueError(f"expected an RFC 3339 full-date string, got {type(value).__name__}")
    try:
        if not _FULL_DATE.fullmatch(value):
            raise ValueError("expected YYYY-MM-DD")
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"not a date such as 2024-06-10: {error}") from None


DATE_TIME = strawberry.scalar(
    name="DateTime",
    description="An instant: an RFC 3339 date-time with an offset, e.g. `2024-06-10T08:45:00Z` "
    "(UTC is written `Z`).",
    specified_by_url=RFC_3339,
    serialize=format_date_time,
    parse_value=parse_date_time,
)

DATE = strawberry.scalar(
    name="Date",
    description="A calendar day: an RFC 3339 full-date, e.g. `2024-06-10`.",
    specified_by_url=RFC_3339,
    serialize=date.isoformat,
    parse_value=parse_date,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DATE_TIME, date: DATE}
