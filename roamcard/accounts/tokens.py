"""API bearer tokens for the mobile app: log in for a token, authenticate with it, revoke it.

A token is shown once, when it is created; only its SHA-256 is stored (see
roamcard.core.bearer)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roamcard.core.bearer import bearer_secret_hash, bearer_secret_new
from roamcard.core.errors import DomainError, PermissionDenied
from roamcard.core.rawsql import reader, table

from .errors import ApiTokenNotFound
from .lockout import login_attempt_start
from .models import ApiToken
from .phones import normalize_phone

TOKEN_PREFIX = "rc_"
# How stale `last_used_at` may get before a request refreshes it: one write per token per
# interval instead of one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class LoginFailed(DomainError):
    """Unknown login or wrong password: one message for both."""

    code = "login_failed"
    status = 401
    message = _("The e-mail address, mobile number or password is not correct.")


class LoginNotVerified(PermissionDenied):
    code = "login_not_verified"
    message = _(
        "Please verify your e-mail address or mobile number first, with the code we sent "
        "when you signed up."
    )


def api_token_create(*, user: Any, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for the user. Returns the stored token and the raw token, which is
    never stored and cannot be shown again."""
    raw = bearer_secret_new(prefix=TOKEN_PREFIX)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        token_hash=bearer_secret_hash(raw),
        prefix=raw[:12],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, raw


def api_token_authenticate(*, raw_token: str) -> ApiToken | None:
    """The live token (with its user) for a raw bearer token, or None when it is unknown,
    expired, revoked or its user is inactive. One join on the unique index of the hash, in
    plain SQL because it runs on every API request (see roamcard.core.rawsql)."""
    if not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > 100:
        return None
    User = get_user_model()
    tokens, users = reader(ApiToken, "t"), reader(User, "u")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {tokens.columns}, {users.columns} FROM {table(ApiToken)} t "
            f"JOIN {table(User)} u ON u.id = t.user_id "
            "WHERE t.token_hash = %s AND t.revoked_at IS NULL",
            [bearer_secret_hash(raw_token)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token = tokens.instance(row)
    token.user = users.instance(row, offset=tokens.width)
    now = timezone.now()
    if token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_revoke_for(*, user: Any, token_id: int) -> None:
    """Revoke one of the user's live tokens. Another user's token, or one that is revoked
    or expired, is not found."""
    from .selectors import api_token_list_for

    revoked = api_token_list_for(user=user).filter(pk=token_id).update(revoked_at=timezone.now())
    if not revoked:
        raise ApiTokenNotFound()


def api_tokens_revoke_all(*, user: Any) -> int:
    """Revoke every live token of the user (a new password, a "sign out everywhere").
    Returns how many were revoked."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _find_user(login: str) -> tuple[Any, bool]:
    """The active user with this e-mail address or mobile number, and whether that login is
    verified; (None, False) when there is none."""
    from allauth.account.models import EmailAddress

    User = get_user_model()
    login = login.strip()
    if "@" in login:
        user = User.objects.filter(email__iexact=login, is_active=True).first()
        verified = (
            user is not None
            and EmailAddress.objects.filter(user=user, email__iexact=login, verified=True).exists()
        )
        return user, verified
    try:
        phone = normalize_phone(login)
    except ValidationError:
        return None, False
    user = User.objects.filter(phone=phone, is_active=True).first()
    return user, user is not None and user.phone_verified


def api_token_login(
    *, login: str, password: str, name: str = "", ip_address: str | None = None
) -> tuple[ApiToken, str]:
    """Log in with an e-mail address or a mobile number and a password, for a new token.

    Failures count against the same limits as the web login (roamcard.accounts.lockout):
    per login however it is written, and per client address."""
    attempt = login_attempt_start(login=login, ip_address=ip_address)
    user, verified = _find_user(login)
    if user is None:
        # Spend the time a password check would, so that timing does not tell whether
        # the login exists.
        get_user_model()().set_password(password)
        ok = False
    else:
        ok = user.check_password(password)
    if not ok:
        raise LoginFailed()
    attempt.succeeded()  # the right password, verified or not
    if not verified:
        raise LoginNotVerified()
    return api_token_create(user=user, name=name)
