"""API bearer tokens for the mobile app: log in for a token, authenticate with it, revoke it.

A token is shown once, when it is created; only its SHA-256 is stored (see
roamcard.core.bearer)."""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roamcard.core.bearer import bearer_secret_hash, bearer_secret_new
from roamcard.core.errors import DomainError, PermissionDenied
from roamcard.core.rawsql import reader, table
from roamcard.core.stamps import stamp_bump, stamps_for

from .errors import ApiTokenNotFound
from .lockout import login_attempt_start
from .models import ApiToken
from .phones import normalize_phone

logger = logging.getLogger(__name__)

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


# --- Checking a token: a database read, kept a few seconds per process ----------------------
#
# Most API requests come from a token seen a moment before. Each process keeps what it read
# for API_TOKEN_CACHE_SECONDS, keyed by the token's hash, together with the revocation stamp
# of the token's user taken *before* that read (roamcard.core.stamps). Anything that ends or
# changes a token or its user bumps the stamp (api_token_cache_drop: revocations here, and
# every save or deletion of a user or a token, see accounts/apps.py), so a copy is used only
# while nothing has happened to its user since it was read: a revocation takes effect on the
# very next request, in every process. Where no store of stamps is shared by every process
# (PostgreSQL without Redis), nothing is kept.

STAMPS = "api-token"
# Bounds of the per-process memory: about 2 KB a cached token.
CACHE_MAX_TOKENS = 20_000
OWNERS_MAX = 200_000


@dataclass(slots=True)
class _Cached:
    token: ApiToken  # with .user; never handed out, callers get copies
    stamp: object
    until: float  # time.monotonic()


_cached: dict[str, _Cached] = {}
# Whose token each hash is (it never changes): the stamp to note before reading the token.
_owners: dict[str, int] = {}


def _read_token(token_hash: str) -> ApiToken | None:
    """The unrevoked token with this hash, with its user: one join on the unique index of
    the hash, in plain SQL because it runs on every API request (see
    roamcard.core.rawsql)."""
    User = get_user_model()
    tokens, users = reader(ApiToken, "t"), reader(User, "u")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {tokens.columns}, {users.columns} FROM {table(ApiToken)} t "
            f"JOIN {table(User)} u ON u.id = t.user_id "
            "WHERE t.token_hash = %s AND t.revoked_at IS NULL",
            [token_hash],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token = tokens.instance(row)
    token.user = users.instance(row, offset=tokens.width)
    return token


def _copy(instance: Any) -> Any:
    """A model instance of its own for one request, which may change or save it: the
    cached one stays as read."""
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__.update(instance.__dict__)
    clone._state = ModelState()
    clone._state.adding = False
    clone._state.db = instance._state.db
    return clone


def _token_for(token_hash: str) -> ApiToken | None:
    """The token with its user, from this process's copy while its user's stamp is
    unchanged, else from the database."""
    seconds = settings.API_TOKEN_CACHE_SECONDS
    stamps = stamps_for(STAMPS) if seconds > 0 else None
    if stamps is None:
        return _read_token(token_hash)
    user_id = _owners.get(token_hash)
    if user_id is None:
        # First sight of the token here: its stamp can only be noted from the next request.
        token = _read_token(token_hash)
        if token is not None:
            if len(_owners) >= OWNERS_MAX:
                _owners.clear()
            _owners[token_hash] = token.user_id
        return token
    try:
        stamp = stamps.read(user_id)
    except Exception:  # the shared store is down: the database decides, nothing is kept
        logger.warning("Revocation stamps unreadable; checking API tokens in the database")
        return _read_token(token_hash)
    entry = _cached.get(token_hash)
    if entry is not None and entry.stamp == stamp and entry.until > time.monotonic():
        token = entry.token
    else:
        # Read after the stamp was noted: a revocation that commits after this read changes
        # the stamp, and the copy is not used again.
        token = _read_token(token_hash)
        if token is None:
            _cached.pop(token_hash, None)
            return None
        if len(_cached) >= CACHE_MAX_TOKENS:
            _cached.clear()
        _cached[token_hash] = _Cached(token, stamp, time.monotonic() + seconds)
    user = _copy(token.user)
    token = _copy(token)
    token._state.fields_cache["user"] = user  # token.user = user, without its checks
    return token


def api_token_authenticate(*, raw_token: str) -> ApiToken | None:
    """The live token (with its user) for a raw bearer token, or None when it is unknown,
    expired, revoked or its user is inactive. Usually no query: see above."""
    if not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > 100:
        return None
    token_hash = bearer_secret_hash(raw_token)
    token = _token_for(token_hash)
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        if entry := _cached.get(token_hash):
            entry.token.last_used_at = now
    return token


def api_token_cache_drop(*, user_id: int) -> None:
    """Every process stops using what it keeps of the user's tokens and of the user, from
    the next request on (and again once the current transaction commits)."""
    stamp_bump(STAMPS, user_id)


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_token_cache_drop(user_id=token.user_id)


def api_token_revoke_for(*, user: Any, token_id: int) -> None:
    """Revoke one of the user's live tokens. Another user's token, or one that is revoked
    or expired, is not found."""
    from .selectors import api_token_list_for

    revoked = api_token_list_for(user=user).filter(pk=token_id).update(revoked_at=timezone.now())
    if not revoked:
        raise ApiTokenNotFound()
    api_token_cache_drop(user_id=user.pk)


def api_tokens_revoke_all(*, user: Any) -> int:
    """Revoke every live token of the user (a new password, a "sign out everywhere").
    Returns how many were revoked."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    api_token_cache_drop(user_id=user.pk)
    return revoked


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


def api_token_cache_drop_on_change(
    *, sender: Any, instance: Any, created: bool = False, **_signal: object
) -> None:
    """Receiver of post_save and post_delete of users and tokens (accounts/apps.py): a
    token changed or deleted, or its user changed (a new password, deactivated, another
    language) or deleted. A new user or token changes nothing kept."""
    if created:
        return
    api_token_cache_drop(user_id=instance.user_id if sender is ApiToken else instance.pk)
