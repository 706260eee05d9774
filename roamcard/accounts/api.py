"""API: log in for a token, revoke it, read and change the traveller's preferences."""

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from roamcard.core.api import InSchema, error_responses

from .api_auth import token_auth
from .selectors import api_token_list_for
from .services import user_profile_update
from .tokens import api_token_login, api_token_revoke, api_token_revoke_for

router = Router(tags=["account"])

Language = Literal[tuple(code for code, _name in settings.LANGUAGES)]  # type: ignore[valid-type]
Currency = Literal[tuple(settings.CURRENCIES)]  # type: ignore[valid-type]


class TokenCreateIn(InSchema):
    login: str = Field(
        min_length=1, max_length=254, description="E-mail address or mobile number (E.164)."
    )
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field(
        "", max_length=100, description="A name for the device, e.g. `Alice's phone`."
    )


class TokenCreateOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer <token>`. Shown only once.")
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenCreateOut, **error_responses(400, 401, 403, 422, 429)},
    summary="Log in for an API token",
)
def token_create(request: HttpRequest, payload: TokenCreateIn):
    """401 `login_failed` for an unknown login or a wrong password (one message for both),
    403 `login_not_verified` until the e-mail address or mobile number is verified, 429
    `rate_limited` after too many failures for this login or from this address."""
    token, raw = api_token_login(
        login=payload.login,
        password=payload.password,
        name=payload.name,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return Status(201, TokenCreateOut(token=raw, expires_at=token.expires_at))


@router.delete(
    "/auth/token",
    auth=token_auth,
    response={204: None, **error_responses(401)},
    summary="Revoke the token of this request",
)
def token_revoke(request: HttpRequest):
    api_token_revoke(token=request.api_token)
    return Status(204, None)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to tell them apart.")
    created_at: datetime
    last_used_at: datetime | None = Field(description="Refreshed at most once a minute.")
    expires_at: datetime
    current: bool = Field(description="Whether this request was made with this token.")


@router.get(
    "/auth/tokens",
    response={200: list[TokenOut], **error_responses(401)},
    summary="The caller's API tokens that still work",
)
def token_list(request: HttpRequest):
    current = getattr(request, "api_token", None)
    return [
        TokenOut(
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            expires_at=token.expires_at,
            current=current is not None and current.pk == token.pk,
        )
        for token in api_token_list_for(user=request.auth)
    ]


@router.delete(
    "/auth/tokens/{token_id}",
    response={204: None, **error_responses(401, 403, 404, 422)},
    summary="Revoke one of the caller's API tokens",
)
def token_revoke_by_id(request: HttpRequest, token_id: int):
    """404 `token_not_found` for a token that is not the caller's, or no longer works."""
    api_token_revoke_for(user=request.auth, token_id=token_id)
    return Status(204, None)


class MeOut(Schema):
    id: int
    email: str | None
    phone: str | None
    preferred_language: str
    preferred_currency: str
    time_zone: str


class MeUpdateIn(InSchema):
    """Only the fields sent are changed."""

    preferred_language: Language | None = None
    preferred_currency: Currency | None = None
    time_zone: str | None = Field(
        None, max_length=64, description="IANA name, e.g. `Asia/Shanghai`."
    )


@router.get("/me", response={200: MeOut, **error_responses(401)}, summary="The caller's profile")
def me_get(request: HttpRequest):
    return request.auth


@router.patch(
    "/me",
    response={200: MeOut, **error_responses(400, 401, 403, 422)},
    summary="Change preferred language, currency or time zone",
)
def me_update(request: HttpRequest, payload: MeUpdateIn):
    user = request.auth
    return user_profile_update(
        user=user,
        preferred_language=payload.preferred_language or user.preferred_language,
        preferred_currency=payload.preferred_currency or user.preferred_currency,
        time_zone=payload.time_zone or user.time_zone,
    )
