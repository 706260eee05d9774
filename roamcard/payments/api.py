"""API: the traveller's saved payment methods — list, add (through the gateway's page),
follow an addition, remove. Mounted at /me/payment-methods (config/api.py)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Path, Router, Schema, Status
from pydantic import Field

from roamcard.core.admin_audit import request_ip
from roamcard.core.api import InSchema, error_responses

from .errors import PaymentSetupNotFound
from .gateways.base import PaymentMethod
from .gateways.registry import saving_methods
from .models import PaymentSetup, SavedPaymentMethod
from .selectors import (
    payment_setup_failure_text,
    payment_setup_get_for,
    saved_method_display,
    saved_method_expiry,
    saved_methods_of,
)
from .services import payment_setup_start, payment_setup_sync_while_waiting, saved_method_remove_for

router = Router(tags=["payment methods"])

MethodId = Annotated[UUID, Path(description="The saved method's `id`.")]
SetupId = Annotated[UUID, Path(description="The addition's `id`, from `POST`.")]


class SavedMethodOut(Schema):
    id: UUID
    method: PaymentMethod
    brand: str = Field(description="E.g. `visa`, `mastercard`, `alipay`.")
    label: str = Field(
        description="How to show it, in the caller's language: `Visa •••• 4242`, "
        "`Alipay automatic deduction · 138******00`. Never a card number."
    )
    expires: str | None = Field(description="A card's expiry, `MM/YYYY`; null if unknown.")
    created_at: datetime


class SavedMethodListOut(Schema):
    payment_methods: list[SavedMethodOut]
    can_add: list[PaymentMethod] = Field(description="What `POST` can add on this site.")


class SetupIn(InSchema):
    method: PaymentMethod = Field(description="What to add: one of `can_add`.")


class SetupOut(Schema):
    id: UUID
    method: PaymentMethod
    state: Literal["pending", "succeeded", "failed"] = Field(
        description="`pending` while the traveller has still to finish at `redirect_url`."
    )
    redirect_url: str = Field(
        description="The payment provider's page where the traveller enters the card or "
        "signs the agreement; it brings them back to our site."
    )
    expires_at: datetime | None = Field(description="When that page stops accepting them.")
    failure_message: str = Field(description="Why it failed, in the caller's language.")
    payment_method: SavedMethodOut | None = Field(description="The saved method, once saved.")


def _method(method: SavedPaymentMethod) -> dict:
    return {
        "id": method.public_id,
        "method": method.method,
        "brand": method.brand,
        "label": saved_method_display(method),
        "expires": saved_method_expiry(method) or None,
        "created_at": method.created_at,
    }


def _setup(setup: PaymentSetup) -> dict:
    return {
        "id": setup.public_id,
        "method": setup.method,
        "state": setup.state,
        "redirect_url": setup.redirect_url,
        "expires_at": setup.expires_at,
        "failure_message": payment_setup_failure_text(setup=setup),
        "payment_method": _method(setup.saved_method) if setup.saved_method else None,
    }


@router.get(
    "",
    response={200: SavedMethodListOut, **error_responses(401)},
    summary="My saved payment methods",
)
def methods_endpoint(request: HttpRequest):
    """Newest first; only methods that can be charged (removed ones are gone)."""
    return {
        "payment_methods": [_method(m) for m in saved_methods_of(user=request.auth)],
        "can_add": saving_methods(),
    }


@router.post(
    "",
    response={201: SetupOut, **error_responses(400, 401, 403, 422, 503)},
    summary="Add a payment method",
)
def method_add_endpoint(request: HttpRequest, payload: SetupIn):
    """Starts adding a method: send the traveller to `redirect_url`, where the payment
    provider takes the card or the agreement, then follow the addition with
    `GET /me/payment-methods/setups/{id}` until it is `succeeded` or `failed`. Nothing is
    charged. Errors: 400 `payment_method_not_saveable`, 503 `payment_gateway_unavailable`."""
    setup = payment_setup_start(
        user=request.auth, method=payload.method, language=get_language() or "en"
    )
    return Status(201, _setup(setup))


@router.get(
    "/setups/{setup_id}",
    response={200: SetupOut, **error_responses(401, 404, 422)},
    summary="Follow the addition of a payment method",
)
def setup_endpoint(request: HttpRequest, setup_id: SetupId):
    """While `pending`, asks the payment provider (at most every few seconds). 404
    `payment_setup_not_found` for another traveller's."""
    setup = payment_setup_get_for(user=request.auth, public_id=setup_id)
    if setup is None:
        raise PaymentSetupNotFound()
    payment_setup_sync_while_waiting(setup=setup)
    return _setup(payment_setup_get_for(user=request.auth, public_id=setup_id))


@router.delete(
    "/{method_id}",
    response={204: None, **error_responses(401, 403, 404, 422)},
    summary="Remove a saved payment method",
)
def method_remove_endpoint(request: HttpRequest, method_id: MethodId):
    """Nothing more is charged to it, from now on; the payment provider is told to forget
    it. Removing it again answers 204 too. 404 `payment_method_not_found` for another
    traveller's."""
    saved_method_remove_for(user=request.auth, public_id=method_id, ip_address=request_ip(request))
    return Status(204, None)
