"""The network's side of the API: usage events in batches (docs/decisions/0007).

The body is decoded with msgspec and each event checked by usage_ingest, rather than by a
pydantic schema: one bad event must get its own answer, not fail the batch, and a batch of
10,000 events must cost little more than storing them. The schema below documents the
body; the answer is encoded once, without a second validation."""

from typing import Any, Literal

import msgspec
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from roamcard.core.api import error_responses

from .api_auth import NetworkKeyAuth
from .errors import BatchTooLarge, UsageBodyInvalid
from .events import EventIn
from .ingest import usage_ingest
from .models import NetworkApiKey, UsageBatch

router = Router(tags=["network"], auth=NetworkKeyAuth(scope=NetworkApiKey.Scope.USAGE_WRITE))

# Room for 10,000 events with long ids; the body is read only below this.
BODY_MAX_BYTES = 16 * 1024 * 1024


class UsageEventIn(Schema):
    event_id: str = Field(max_length=64, description="The network's own id of the record.")
    iccid: str = Field(description="The card's ICCID.")
    bytes_up: int = Field(ge=0)
    bytes_down: int = Field(ge=0)
    started_at: str = Field(description="ISO 8601 with a UTC offset, e.g. 2026-11-29T10:00:00Z.")
    ended_at: str
    country: str = Field(description="ISO 3166-1 alpha-2 (JP), or the MCC-MNC (44010).")


# The body's schema, inline (no $ref), for the OpenAPI document only.
USAGE_EVENTS_IN = {
    "type": "object",
    "required": ["events"],
    "properties": {
        "events": {"type": "array", "maxItems": 10_000, "items": UsageEventIn.json_schema()}
    },
}


class EventResultOut(Schema):
    event_id: str | None
    result: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = Field(
        None,
        description="Why it was rejected: malformed, unknown_card, bad_bytes, bad_time, "
        "too_old, in_future or unknown_country.",
    )
    message: str | None = Field(None, description="The reason, in the caller's language.")


class UsageEventsOut(Schema):
    batch: int
    accepted: int
    duplicates: int
    rejected: int
    results: list[EventResultOut] = Field(description="One per event, in the order sent.")


class _Body(msgspec.Struct):
    events: list[Any]


class _TypedBody(msgspec.Struct):
    events: list[EventIn]


_decode = msgspec.json.Decoder(_Body).decode
_decode_typed = msgspec.json.Decoder(_TypedBody).decode
_encode = msgspec.json.Encoder().encode


@router.post(
    "/network/usage-events",
    response={200: UsageEventsOut, **error_responses(401, 413, 422)},
    summary="Send usage events",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": USAGE_EVENTS_IN}},
        }
    },
)
def usage_events(request: HttpRequest):
    """For the network, with a key staff issued (scope `usage:write`): up to 10,000 usage
    records per request. Each is accepted (charged once), a duplicate (its `event_id` was
    seen before: sending a batch again is safe) or rejected with a reason; a bad event
    never holds up the others, and a batch is applied whole or not at all. Events are
    charged by when they happened, whatever order they arrive in."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > BODY_MAX_BYTES:
        raise BatchTooLarge()
    raw = request.read(BODY_MAX_BYTES + 1)
    try:
        body = _decode_typed(raw)
    except msgspec.ValidationError:
        body = None  # some event is ill-typed: each is checked on its own below
    except msgspec.DecodeError:
        raise UsageBodyInvalid() from None
    if body is None:
        try:
            body = _decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise UsageBodyInvalid() from None
    if len(body.events) > settings.USAGE_BATCH_MAX_EVENTS:
        raise BatchTooLarge()
    outcome = usage_ingest(events=body.events, source=UsageBatch.Source.API, api_key=request.auth)
    messages: dict[str, str] = {}
    results = []
    for result in outcome.results:
        if result.reason is None:
            results.append({"event_id": result.event_id, "result": result.result})
        else:
            if result.reason not in messages:
                messages[result.reason] = result.message or ""
            results.append(
                {
                    "event_id": result.event_id,
                    "result": result.result,
                    "reason": result.reason,
                    "message": messages[result.reason],
                }
            )
    answer = {
        "batch": outcome.batch_id,
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "rejected": outcome.rejected,
        "results": results,
    }
    return HttpResponse(_encode(answer), content_type="application/json")
