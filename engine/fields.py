"""Reading one field of a raw record, and collecting what was wrong with a record's fields.

A reader returns the field's value, None when it is absent, or raises `FieldError`. Which
failures cost the whole record and which only a part of it is decided by `Findings`, where
the normaliser reads each field: `required` rejects the record (or the part being read, such
as one image), `optional` leaves the field out and goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Concatenate, ParamSpec, TypeVar

from newsgraph.engine.base_url import BaseUrl, absolute_url
from newsgraph.engine.sources import Severity

Record = Mapping[str, object]
P = ParamSpec("P")
T = TypeVar("T")


class FieldError(ValueError):
    """A record's field holds something newsgraph will not accept."""

    def __init__(self, field: str, reason: str, *, not_text: bool = False) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        # A number, boolean or date where text was expected: in YAML, an unquoted literal.
        self.not_text = not_text


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem with one field of a record: an error rejects the record. `not_text` says
    the value was not text where text was expected, which a YAML source explains."""

    field: str
    reason: str
    severity: Severity
    not_text: bool = False


class Findings:
    """The problems found in one record, or in one part of it (`within`).

    The record's own `required` fields reject it with an error. Inside a part (one image, one
    related story) a `required` field drops only that part, with a warning that says so.
    """

    __slots__ = ("found", "prefix", "dropped")

    def __init__(
        self, found: list[Finding] | None = None, prefix: str = "", dropped: str | None = None
    ) -> None:
        self.found: list[Finding] = [] if found is None else found
        self.prefix = prefix  # `images[2].`: where this part's fields are
        # What rejecting this part costs (`this image is dropped`); None for the record itself.
        self.dropped = dropped

    def within(self, path: str, dropped: str) -> Findings:
        """The findings of the part at `path` (`images[2]`); rejecting it costs `dropped`."""
        return Findings(self.found, f"{self.prefix}{path}.", dropped)

    def _path(self, field: str) -> str:
        return f"{self.prefix}{field}" if field else self.prefix.rstrip(".")

    def warn(self, error: FieldError, consequence: str) -> None:
        """Record a problem that loses only what `consequence` says."""
        reason = f"{error.reason}; {consequence}"
        path = self._path(error.field)
        self.found.append(Finding(path, reason, Severity.WARNING, error.not_text))

    def reject(self, error: FieldError) -> None:
        """Record a problem that rejects this record, or drops this part."""
        if self.dropped is None:
            path = self._path(error.field)
            self.found.append(Finding(path, error.reason, Severity.ERROR, error.not_text))
        else:
            self.warn(error, self.dropped)

    def required(
        self,
        read: Callable[Concatenate[Record, str, P], T | None],
        record: Record,
        field: str,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """`read(record, field, ...)`; a missing or bad value rejects (see `reject`)."""
        try:
            value = read(record, field, *args, **kwargs)
            if value is None:
                raise FieldError(field, "is required")
        except FieldError as error:
            self.reject(error)
            return None
        return value

    # The common case first: most values are absent or of the right type, and a catalog of
    # 100k records reads millions of them. These check that in one call, and leave anything
    # else to `optional` and the reader, which say what is wrong.

    def optional_text(self, record: Record, field: str) -> str | None:
        value = record.get(field)
        if value is None or type(value) is str:
            return value
        return self.optional(text, record, field)

    def optional_integer(self, record: Record, field: str) -> int | None:
        value = record.get(field)
        if value is None or type(value) is int:
            return value
        return self.optional(integer, record, field)

    def optional_flag(self, record: Record, field: str) -> bool | None:
        value = record.get(field)
        if value is None or type(value) is bool:
            return value
        return self.optional(flag, record, field)

    def optional_url(self, record: Record, field: str, base: BaseUrl | None) -> str | None:
        value = record.get(field)
        if value is None:
            return None
        if type(value) is str:
            value = value.strip()
            if value.startswith(("https://", "http://")):
                return value
        return self.optional(url, record, field, base)

    def optional_list(self, record: Record, field: str) -> Sequence[object]:
        """The field's items; none when it is absent or not a list."""
        value = record.get(field)
        if value is None:
            return ()
        if type(value) is list:
            return value
        return self.optional(sequence, record, field) or ()

    def optional(
        self,
        read: Callable[Concatenate[Record, str, P], T | None],
        record: Record,
        field: str,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """`read(record, field, ...)`; a bad value is a warning, and the field is left out."""
        try:
            return read(record, field, *args, **kwargs)
        except FieldError as error:
            self.warn(error, "left out")
            return None


def describe(value: object) -> str:
    """A value and its type, for messages: `int 2021`, `boolean False`."""
    if isinstance(value, bool):
        return f"boolean {value}"
    return f"{type(value).__name__} {value!r}"


def text(record: Record, field: str) -> str | None:
    value = record.get(field)
    if value is None or isinstance(value, str):
        return value
    raise FieldError(field, f"expected text, got {describe(value)}", not_text=True)


def nonblank_text(record: Record, field: str) -> str | None:
    """Text that must say something: blank text is refused."""
    value = text(record, field)
    if value is not None and not value.strip():
        raise FieldError(field, "is empty")
    return value


def integer(record: Record, field: str) -> int | None:
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(field, f"expected a whole number, got {describe(value)}")
    return value


def flag(record: Record, field: str) -> bool | None:
    value = record.get(field)
    if value is None or isinstance(value, bool):
        return value
    raise FieldError(field, f"expected true or false, got {describe(value)}")


def url(record: Record, field: str, base: BaseUrl | None) -> str | None:
    """An absolute http(s) URL; a relative one is resolved against `base`."""
    value = text(record, field)
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.startswith(("https://", "http://")):
        return value
    try:
        return absolute_url(value, base)
    except ValueError as error:
        raise FieldError(field, str(error)) from None


def timestamp(value: object, field: str) -> datetime:
    """Normalise a YAML or JSON timestamp to an aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as error:
            # An impossible date says which part is wrong ("month must be in 1..12").
            reason = str(error)
            if reason.startswith("Invalid isoformat"):
                reason = "not an ISO 8601 date-time"
            raise FieldError(field, f"{reason}: {value!r}") from None
    elif value is None:
        raise FieldError(field, "is required")
    else:
        raise FieldError(field, f"expected a date-time, got {describe(value)}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def moment(record: Record, field: str) -> datetime | None:
    """The field as an aware UTC datetime, or None when it is absent."""
    value = record.get(field)
    return None if value is None else timestamp(value, field)


def mapping(record: Record, field: str) -> Record | None:
    value = record.get(field)
    if value is None or isinstance(value, Mapping):
        return value
    raise FieldError(field, f"expected a mapping, got {describe(value)}")


def sequence(record: Record, field: str) -> Sequence[object] | None:
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise FieldError(field, f"expected a list, got {describe(value)}")
    return value
