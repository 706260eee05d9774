"""Checking one usage event as the network sent it, before anything is stored: each bad
event gets a reason of its own and never holds up the good ones (usage_ingest)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from roamcard.catalog.countries import is_country

from .mcc import country_for_network

EVENT_ID_MAX = 64
# More than any card moves in one record: a slip of a few zeros, not traffic.
EVENT_BYTES_MAX = 10 * 1024**4


class Reason:
    """Why an event is rejected: a stable code and a message in the reader's language."""

    MALFORMED = "malformed"
    UNKNOWN_CARD = "unknown_card"
    BAD_BYTES = "bad_bytes"
    BAD_TIME = "bad_time"
    TOO_OLD = "too_old"
    IN_FUTURE = "in_future"
    UNKNOWN_COUNTRY = "unknown_country"


REASON_MESSAGES: dict[str, Promise] = {
    Reason.MALFORMED: _(
        "The event lacks a field or has one of the wrong type: it needs event_id, iccid, "
        "bytes_up, bytes_down, started_at, ended_at and country."
    ),
    Reason.UNKNOWN_CARD: _("No card has this ICCID."),
    Reason.BAD_BYTES: _("bytes_up and bytes_down must be whole numbers from 0 to 10 TiB."),
    Reason.BAD_TIME: _(
        "started_at and ended_at must be ISO 8601 times with a UTC offset, and the event "
        "cannot end before it starts."
    ),
    Reason.TOO_OLD: _("The event is older than we accept usage for."),
    Reason.IN_FUTURE: _("The event is in the future: check the network's clock."),
    Reason.UNKNOWN_COUNTRY: _(
        "country must be an ISO 3166-1 alpha-2 code (JP) or an MCC-MNC (44010) we know."
    ),
}


class Rejected(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(slots=True)
class Event:
    """A well-formed event: times in UTC, the country as an ISO code."""

    index: int
    event_id: str
    iccid: str
    bytes_up: int
    bytes_down: int
    started_at: datetime
    ended_at: datetime
    country: str
    network: str

    @property
    def total(self) -> int:
        return self.bytes_up + self.bytes_down


class EventIn(msgspec.Struct):
    """An event as the API's body holds it when every event in it is well-typed: decoded
    by msgspec in C (times parsed, types and bounds checked), leaving event_check only
    what depends on the clock and the country. A body with any ill-typed event is decoded
    loosely instead, so that each event gets its own reason."""

    event_id: Annotated[str, msgspec.Meta(min_length=1, max_length=EVENT_ID_MAX)]
    iccid: Annotated[str, msgspec.Meta(min_length=1, max_length=22)]
    bytes_up: Annotated[int, msgspec.Meta(ge=0, le=EVENT_BYTES_MAX)]
    bytes_down: Annotated[int, msgspec.Meta(ge=0, le=EVENT_BYTES_MAX)]
    started_at: Annotated[datetime, msgspec.Meta(tz=True)]
    ended_at: Annotated[datetime, msgspec.Meta(tz=True)]
    country: str


def event_id_of(raw: Any) -> str | None:
    """The event id as sent, for the answer, even when the event is bad."""
    if isinstance(raw, EventIn):
        return raw.event_id
    if isinstance(raw, Mapping):
        value = raw.get("event_id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)[:EVENT_ID_MAX]
    return None


def _text(raw: Mapping[str, Any], name: str, max_length: int) -> str:
    value = raw.get(name)
    if not isinstance(value, str):
        raise Rejected(Reason.MALFORMED)
    value = value.strip()
    if not value or len(value) > max_length:
        raise Rejected(Reason.MALFORMED)
    return value


def _bytes(value: Any) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Rejected(Reason.MALFORMED if value is None else Reason.BAD_BYTES)
    if not 0 <= value <= EVENT_BYTES_MAX:
        raise Rejected(Reason.BAD_BYTES)
    return value


def _time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise Rejected(Reason.BAD_TIME) from None
    if not isinstance(value, datetime):
        raise Rejected(Reason.MALFORMED if value is None else Reason.BAD_TIME)
    if value.tzinfo is None or value.utcoffset() is None:
        raise Rejected(Reason.BAD_TIME)
    return value.astimezone(UTC)


def _country(value: Any) -> tuple[str, str]:
    """(ISO country, MCC-MNC as sent or "")."""
    if not isinstance(value, str):
        raise Rejected(Reason.MALFORMED)
    value = value.strip()
    if len(value) == 2 and is_country(value.upper()):
        return value.upper(), ""
    country = country_for_network(value)
    if country is None:
        raise Rejected(Reason.UNKNOWN_COUNTRY)
    return country, value.replace("-", "")


def event_check(raw: Any, *, index: int, oldest: datetime, latest: datetime) -> Event:
    """The event (a mapping, or an EventIn already typed), checked; raises Rejected with
    the first reason that applies. `oldest` and `latest` bound when it may have started
    and ended."""
    if isinstance(raw, EventIn):
        event_id, iccid = raw.event_id.strip(), raw.iccid.strip()
        if not event_id or not iccid:
            raise Rejected(Reason.MALFORMED)
        bytes_up, bytes_down = raw.bytes_up, raw.bytes_down
        started_at, ended_at = raw.started_at.astimezone(UTC), raw.ended_at.astimezone(UTC)
        country_code = raw.country
    elif isinstance(raw, Mapping):
        event_id = _text(raw, "event_id", EVENT_ID_MAX)
        iccid = _text(raw, "iccid", 22)
        bytes_up = _bytes(raw.get("bytes_up"))
        bytes_down = _bytes(raw.get("bytes_down"))
        started_at = _time(raw.get("started_at"))
        ended_at = _time(raw.get("ended_at"))
        country_code = raw.get("country")
    else:
        raise Rejected(Reason.MALFORMED)
    if ended_at < started_at:
        raise Rejected(Reason.BAD_TIME)
    if started_at < oldest:
        raise Rejected(Reason.TOO_OLD)
    if ended_at > latest:
        raise Rejected(Reason.IN_FUTURE)
    country, network = _country(country_code)
    return Event(
        index, event_id, iccid, bytes_up, bytes_down, started_at, ended_at, country, network
    )


def event_window(
    *, now: datetime, max_age_days: int, skew_seconds: int
) -> tuple[datetime, datetime]:
    return now - timedelta(days=max_age_days), now + timedelta(seconds=skew_seconds)
