"""API: the traveller's cards — list, bind, detail, unbind."""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from roamcard.catalog.models import Region
from roamcard.core.api import InSchema, error_responses, json_as_documented
from roamcard.core.formatting import format_bytes

from .choices import CardForm, CardStatus, StartMode
from .models import Bucket, Card
from .selectors import (
    BucketRow,
    CardRow,
    CoverageLine,
    CoverageRow,
    card_balance,
    card_detail_for,
    card_get_for,
    card_list_for,
)
from .services import card_bind, card_unbind

router = Router(tags=["cards"])

# Path ids are database keys: bounded so that no value overflows a 64-bit integer column.
CardId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The card's id.")]


class CoverageOut(Schema):
    code: str
    name: str
    countries: list[str] = Field(description="ISO 3166-1 alpha-2 codes.")


class DataOut(Schema):
    unlimited: bool
    bytes_remaining: int | None = Field(description="Null when unlimited.")
    bytes_granted: int | None = Field(description="Null when unlimited.")
    percent_remaining: int | None
    remaining_formatted: str = Field(description="E.g. `1.5 GB`, for the caller's language.")


class UpcomingOut(Schema):
    plan_name: str
    unlimited: bool
    bytes_granted: int | None = Field(description="Null when unlimited.")
    validity_days: int | None
    starts: StartMode = Field(
        description="`queued`: starts when the allowance before it ends or runs out; "
        "`first_use`: the first time the card uses data in the coverage."
    )
    valid_from: datetime | None = Field(
        description="Predicted start (it moves earlier if the allowance before it runs out); "
        "null until first use."
    )
    valid_until: datetime | None
    activate_by: datetime | None = Field(
        description="A first-use allowance ends unused after this."
    )


class BalanceOut(Schema):
    """The data of one coverage on the card."""

    coverage: CoverageOut
    is_card_coverage: bool = Field(
        description="The card's own coverage: works everywhere the card does."
    )
    data: DataOut = Field(description="What is usable now in this coverage.")
    valid_until: datetime | None = Field(description="End of the latest live allowance.")
    upcoming: list[UpcomingOut] = Field(
        description="Allowances not started yet: queued ones in order, then first-use ones."
    )


class CardOut(Schema):
    id: int
    iccid: str
    form: CardForm
    status: CardStatus
    label: str
    msisdn: str
    coverage: CoverageOut
    headline_country: str | None = Field(
        description="The country `data` is for (ISO code): the one asked for with `?country=`, "
        "else the last country the card used data in; null: the card's whole coverage."
    )
    data: DataOut = Field(
        description="The headline: live data usable in `headline_country` (or everywhere in "
        "the card's coverage when null)."
    )
    balances: list[BalanceOut] = Field(description="The balance per coverage.")
    valid_until: datetime | None = Field(description="End of the latest live or queued allowance.")
    as_of: datetime | None = Field(description="When the data figures were last updated.")
    bound_at: datetime | None


class CardListOut(Schema):
    cards: list[CardOut]


class CardDetailOut(CardOut):
    activation_code: str = Field(description="eSIM activation code (`LPA:1$...`); empty for a SIM.")


def _data(unlimited: bool, remaining: int, granted: int, percent: int | None) -> dict:
    return {
        "unlimited": unlimited,
        "bytes_remaining": None if unlimited else remaining,
        "bytes_granted": None if unlimited else granted,
        "percent_remaining": percent,
        "remaining_formatted": format_bytes(
            None if unlimited else remaining, language=get_language()
        ),
    }


def _coverage(region: Region | CoverageRow) -> dict:
    return {"code": region.code, "name": region.name, "countries": region.countries}


def _upcoming(bucket: Bucket | BucketRow) -> dict:
    return {
        "plan_name": bucket.plan_name,
        "unlimited": bucket.is_unlimited,
        "bytes_granted": bucket.bytes_granted,
        "validity_days": bucket.validity_days,
        "starts": bucket.starts,
        "valid_from": bucket.valid_from,
        "valid_until": bucket.valid_until,
        "activate_by": bucket.activate_by,
    }


def _balance(line: CoverageLine) -> dict:
    percent = (
        round(100 * line.bytes_remaining / line.bytes_granted)
        if line.bytes_granted and not line.unlimited
        else None
    )
    return {
        "coverage": _coverage(line.region),
        "is_card_coverage": line.is_card_coverage,
        "data": _data(line.unlimited, line.bytes_remaining, line.bytes_granted, percent),
        "valid_until": line.valid_until,
        "upcoming": [_upcoming(b) for b in [*line.queued, *line.first_use]],
    }


def _card_fields(card: Card | CardRow, country: str | None = None) -> dict:
    balance = card_balance(card=card, country=country)
    region = card.region
    return {
        "id": card.pk,
        "iccid": card.iccid,
        "form": card.form,
        "status": card.status,
        "label": card.label,
        "msisdn": card.msisdn,
        "coverage": _coverage(region),
        "headline_country": balance.headline_country,
        "data": _data(
            balance.unlimited,
            balance.bytes_remaining,
            balance.bytes_granted,
            balance.percent_remaining,
        ),
        "balances": [_balance(line) for line in balance.lines],
        "valid_until": balance.valid_until,
        "as_of": balance.as_of,
        "bound_at": card.bound_at,
    }


def _card_detail(card: Card | CardRow, country: str | None = None) -> dict:
    return {**_card_fields(card, country), "activation_code": card.activation_code}


Country = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z]{2}$",
        description="ISO 3166-1 alpha-2 code: the country the headline `data` is for. One the "
        "card does not cover is ignored.",
    ),
]


class CardBindIn(InSchema):
    iccid: str = Field(
        max_length=40,
        pattern=r"^[0-9 -]+$",
        description="The card number (ICCID): 18-20 digits, as printed (spaces allowed).",
    )
    card_password: str = Field(
        max_length=20, description="The 6-8 digit card password under the scratch panel."
    )


@router.get("", response={200: CardListOut, **error_responses(401, 422)}, summary="My cards")
def card_list(request: HttpRequest, country: Country = None):
    return {"cards": [_card_fields(card, country) for card in card_list_for(user=request.auth)]}


@router.post(
    "",
    response={201: CardDetailOut, **error_responses(400, 401, 403, 409, 422, 429)},
    summary="Bind a card to my account",
)
def card_create(request: HttpRequest, payload: CardBindIn):
    """400 `card_bind_rejected` for a wrong number or password (one message for both),
    429 `card_bind_locked` after too many wrong passwords for the number, 409
    `card_already_bound` / `card_already_yours` / `card_not_bindable`."""
    card = card_bind(
        user=request.auth,
        iccid=payload.iccid,
        card_password=payload.card_password,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return Status(201, _card_detail(card_get_for(user=request.auth, card_id=card.pk)))


@router.get(
    "/{card_id}", response={200: CardDetailOut, **error_responses(401, 404, 422)}, summary="A card"
)
def card_detail(request: HttpRequest, card_id: CardId, country: Country = None):
    # Built to CardDetailOut here, so not validated again (tests compare it with the schema).
    card = card_detail_for(user=request.auth, card_id=card_id)
    return json_as_documented(_card_detail(card, country))


@router.delete(
    "/{card_id}",
    response={204: None, **error_responses(401, 403, 404, 422)},
    summary="Unbind a card from my account",
)
def card_delete(request: HttpRequest, card_id: CardId):
    card_unbind(user=request.auth, card_id=card_id)
    return Status(204, None)
