"""API: the traveller's cards — list, bind, detail, unbind."""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Path, Router, Schema, Status
from pydantic import Field

from roamcard.core.api import InSchema, error_responses
from roamcard.core.formatting import format_bytes

from .choices import CardForm, CardStatus
from .models import Card
from .selectors import card_balance, card_detail_for, card_get_for, card_list_for
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


class CardOut(Schema):
    id: int
    iccid: str
    form: CardForm
    status: CardStatus
    label: str
    msisdn: str
    coverage: CoverageOut
    data: DataOut
    valid_until: datetime | None = Field(description="End of the latest allowance.")
    as_of: datetime | None = Field(description="When the data figures were last updated.")
    bound_at: datetime | None


class CardListOut(Schema):
    cards: list[CardOut]


class CardDetailOut(CardOut):
    activation_code: str = Field(description="eSIM activation code (`LPA:1$...`); empty for a SIM.")


def _card_fields(card: Card) -> dict:
    balance = card_balance(card=card)
    region = card.region
    return {
        "id": card.pk,
        "iccid": card.iccid,
        "form": card.form,
        "status": card.status,
        "label": card.label,
        "msisdn": card.msisdn,
        "coverage": {"code": region.code, "name": region.name, "countries": region.countries},
        "data": {
            "unlimited": balance.unlimited,
            "bytes_remaining": None if balance.unlimited else balance.bytes_remaining,
            "bytes_granted": None if balance.unlimited else balance.bytes_granted,
            "percent_remaining": balance.percent_remaining,
            "remaining_formatted": format_bytes(
                None if balance.unlimited else balance.bytes_remaining, language=get_language()
            ),
        },
        "valid_until": balance.valid_until,
        "as_of": balance.as_of,
        "bound_at": card.bound_at,
    }


def _card_detail(card: Card) -> dict:
    return {**_card_fields(card), "activation_code": card.activation_code}


class CardBindIn(InSchema):
    iccid: str = Field(
        max_length=40,
        pattern=r"^[0-9 -]+$",
        description="The card number (ICCID): 18-20 digits, as printed (spaces allowed).",
    )
    card_password: str = Field(
        max_length=20, description="The 6-8 digit card password under the scratch panel."
    )


@router.get("", response={200: CardListOut, **error_responses(401)}, summary="My cards")
def card_list(request: HttpRequest):
    return {"cards": [_card_fields(card) for card in card_list_for(user=request.auth)]}


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
def card_detail(request: HttpRequest, card_id: CardId):
    return _card_detail(card_detail_for(user=request.auth, card_id=card_id))


@router.delete(
    "/{card_id}",
    response={204: None, **error_responses(401, 403, 404, 422)},
    summary="Unbind a card from my account",
)
def card_delete(request: HttpRequest, card_id: CardId):
    card_unbind(user=request.auth, card_id=card_id)
    return Status(204, None)
