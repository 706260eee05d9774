"""Account services: password reset by a one-time code, the traveller's profile, and the
credentials (API tokens, signed-in sessions) that die with a password."""

import math
import secrets
import time
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import InvalidInput, RateLimited
from roamcard.notifications.services import message_render_and_queue

from .errors import CodeResendTooSoon, OneTimeCodeInvalid, UserSessionNotFound
from .models import OneTimeCode, User
from .phones import normalize_phone

# How stale a session's "last active" may get before a request refreshes it.
SESSION_ACTIVITY_RESOLUTION = 60  # seconds


def user_sign_out_everywhere(*, user: User, except_session_key: str | None = None) -> None:
    """Revoke every API token of the user and end every signed-in session but
    `except_session_key`. Runs whenever the password changes (see User.save); a page that
    keeps its own session afterwards (the change-password page, the back office for one's
    own account) re-keys it with Django's update_session_auth_hash, which also signs out
    any session that was never tracked."""
    from .tokens import api_tokens_revoke_all

    api_tokens_revoke_all(user=user)
    sessions = UserSession.objects.filter(user_id=user.pk)
    if except_session_key:
        sessions = sessions.exclude(session_key=except_session_key)
    for session in sessions:
        session.end()


def user_signed_out_on_password_change(*, user: User, **_signal: object) -> None:
    """Receiver of accounts.signals.password_changed."""
    user_sign_out_everywhere(user=user)


def user_session_end(*, user: User, session_id: int) -> str:
    """Sign one of the user's browsers out. Returns the ended session's key, so that the
    caller can tell whether it signed itself out."""
    session = UserSession.objects.filter(pk=session_id, user_id=user.pk).first()
    if session is None:
        raise UserSessionNotFound()
    session.end()
    return session.session_key


def user_session_touch(*, request) -> None:
    """Record that the request's signed-in session is active now, from this address."""
    UserSession.objects.create_from_request(request)


@dataclass(frozen=True)
class Destination:
    """Where a code goes: an e-mail address (lower case) or a mobile number in E.164."""

    channel: str  # OneTimeCode.Channel
    address: str


def destination_parse(*, raw: str) -> Destination:
    text = (raw or "").strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError as exc:
            raise InvalidInput(_("Enter a valid e-mail address.")) from exc
        return Destination(OneTimeCode.Channel.EMAIL, text.lower())
    try:
        return Destination(OneTimeCode.Channel.SMS, normalize_phone(text))
    except ValidationError as exc:
        raise InvalidInput(
            _(
                "Enter your e-mail address, "
                "or your mobile number starting with + and the country code."
            )
        ) from exc


def _user_for(destination: Destination) -> User | None:
    field = "email__iexact" if destination.channel == OneTimeCode.Channel.EMAIL else "phone"
    return get_user_model().objects.filter(is_active=True, **{field: destination.address}).first()


def _code_hash(*, destination: Destination, purpose: str, code: str) -> str:
    # Keyed with SECRET_KEY: a six-digit code is easy to brute-force from a plain hash.
    value = f"{purpose}:{destination.channel}:{destination.address}:{code}"
    return salted_hmac("roamcard.accounts.one_time_code", value, algorithm="sha256").hexdigest()


def _rate_limit_hit(*, scope: str, purpose: str, key: str) -> None:
    """Count one send in a fixed window; raise RateLimited once the limit is passed."""
    limit, window = settings.ONE_TIME_CODE_RATE_LIMITS[scope]
    digest = salted_hmac("roamcard.accounts.rate_limit", key).hexdigest()[:32]
    cache_key = f"otc-rate:{purpose}:{scope}:{digest}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        count = 1
    if count > limit:
        raise RateLimited()


def _code_cooldown_key(*, purpose: str, destination: Destination) -> str:
    value = f"{destination.channel}:{destination.address}"
    digest = salted_hmac("roamcard.accounts.code_cooldown", value).hexdigest()[:32]
    return f"otc-cooldown:{purpose}:{digest}"


def one_time_code_cooldown_check(*, destination: Destination, purpose: str) -> None:
    """Raise CodeResendTooSoon while the cool-down after the last code to `destination`
    runs. Applies alike whether or not an account uses the destination, so that the wait
    tells nobody anything."""
    wait = one_time_code_resend_wait(destination=destination, purpose=purpose)
    if wait:
        raise CodeResendTooSoon(wait_seconds=wait)


def one_time_code_cooldown_start(*, destination: Destination, purpose: str) -> None:
    """Start the cool-down before another code may go to `destination`; only one of two
    concurrent requests starts it, the other gets CodeResendTooSoon."""
    seconds = settings.VERIFICATION_CODE_RESEND_SECONDS
    if seconds <= 0:
        return
    key = _code_cooldown_key(purpose=purpose, destination=destination)
    ends_at = time.time() + seconds
    if cache.add(key, ends_at, timeout=seconds):
        return
    wait = one_time_code_resend_wait(destination=destination, purpose=purpose)
    if wait:
        raise CodeResendTooSoon(wait_seconds=wait)
    cache.set(key, ends_at, timeout=seconds)  # an ended cool-down the cache still keeps


def one_time_code_resend_wait(*, destination: Destination, purpose: str) -> int:
    """Whole seconds until another code may go to `destination` (0: now)."""
    ends_at = cache.get(_code_cooldown_key(purpose=purpose, destination=destination))
    if ends_at is None:
        return 0
    return max(math.ceil(ends_at - time.time()), 0)


def one_time_code_issue(*, user: User, destination: Destination, purpose: str) -> str:
    """Create a fresh code for `destination` and return it in clear (to be sent, never
    stored). Earlier unused codes for the same purpose stop working."""
    now = timezone.now()
    code = "".join(secrets.choice("0123456789") for _ in range(settings.ONE_TIME_CODE_LENGTH))
    with transaction.atomic():
        OneTimeCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
            expires_at=now
        )
        OneTimeCode.objects.create(
            user=user,
            purpose=purpose,
            channel=destination.channel,
            destination=destination.address,
            code_hash=_code_hash(destination=destination, purpose=purpose, code=code),
            expires_at=now + timedelta(seconds=settings.ONE_TIME_CODE_TTL_SECONDS),
        )
    return code


def one_time_code_check(*, destination: Destination, purpose: str, code: str) -> OneTimeCode:
    """Return the latest unused code sent to `destination` if `code` matches it.

    Raises OneTimeCodeInvalid for a wrong, expired, used or unknown code; a wrong guess is
    counted and the code dies after ONE_TIME_CODE_MAX_ATTEMPTS of them. The code is not
    used up: call `one_time_code_use` inside the transaction that acts on it."""
    now = timezone.now()
    code = "".join((code or "").split())
    with transaction.atomic():
        one_time_code = (
            OneTimeCode.objects.select_for_update()
            .filter(destination=destination.address, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        usable = (
            one_time_code is not None
            and one_time_code.expires_at > now
            and one_time_code.failed_attempts < settings.ONE_TIME_CODE_MAX_ATTEMPTS
        )
        matches = usable and constant_time_compare(
            one_time_code.code_hash,
            _code_hash(destination=destination, purpose=purpose, code=code),
        )
        if usable and not matches:
            one_time_code.failed_attempts += 1
            one_time_code.save(update_fields=["failed_attempts"])
    # Raised outside the transaction, so that the counted wrong guess is kept.
    if not matches:
        raise OneTimeCodeInvalid()
    return one_time_code


def one_time_code_use(*, one_time_code: OneTimeCode) -> None:
    """Mark a checked code as used; only one caller can win a race for it. Call inside a
    transaction, so that a failure later in it leaves the code unused."""
    used = OneTimeCode.objects.filter(
        pk=one_time_code.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not used:
        raise OneTimeCodeInvalid()


def password_reset_code_send(*, destination: str, ip_address: str | None) -> None:
    """Send a password reset code to an e-mail address or a mobile number.

    The caller gets the same answer whether or not an account uses the destination; an
    unknown destination receives a message saying that no account uses it. Codes to one
    destination are VERIFICATION_CODE_RESEND_SECONDS apart at least (CodeResendTooSoon)."""
    purpose = OneTimeCode.Purpose.PASSWORD_RESET
    target = destination_parse(raw=destination)
    one_time_code_cooldown_check(destination=target, purpose=purpose)
    if ip_address:
        _rate_limit_hit(scope="ip", purpose=purpose, key=ip_address)
    _rate_limit_hit(scope="destination", purpose=purpose, key=f"{target.channel}:{target.address}")
    one_time_code_cooldown_start(destination=target, purpose=purpose)
    user = _user_for(target)
    if user is None:
        message_render_and_queue(
            channel=target.channel,
            to=target.address,
            kind="unknown_account",
            context={},
            language=_current_language(),
        )
        return
    _rate_limit_hit(scope="account", purpose=purpose, key=str(user.pk))
    code = one_time_code_issue(user=user, destination=target, purpose=purpose)
    message_render_and_queue(
        channel=target.channel,
        to=target.address,
        kind="password_reset_code",
        context={"code": code, "minutes": settings.ONE_TIME_CODE_TTL_SECONDS // 60},
        user=user,
        language=user.preferred_language,
    )


def password_reset_code_resend_wait(*, destination: str) -> int:
    """Whole seconds until another password reset code may go to `destination`."""
    return one_time_code_resend_wait(
        destination=destination_parse(raw=destination),
        purpose=OneTimeCode.Purpose.PASSWORD_RESET,
    )


def password_reset_code_confirm(*, destination: str, code: str, new_password: str) -> User:
    """Set a new password for the account that `code` was sent to.

    The new password must pass the password validators; if it does not, the code stays
    usable. Receiving the code proves the destination, so it counts as verified."""
    purpose = OneTimeCode.Purpose.PASSWORD_RESET
    target = destination_parse(raw=destination)
    one_time_code = one_time_code_check(destination=target, purpose=purpose, code=code)
    user = one_time_code.user
    if not user.is_active:
        raise OneTimeCodeInvalid()
    _password_validate(password=new_password, user=user)
    with transaction.atomic():
        one_time_code_use(one_time_code=one_time_code)
        user.set_password(new_password)
        if target.channel == OneTimeCode.Channel.SMS and user.phone == target.address:
            user.phone_verified = True
        user.save(update_fields=["password", "phone_verified"])
        if target.channel == OneTimeCode.Channel.EMAIL:
            EmailAddress.objects.filter(user=user, email__iexact=target.address).update(
                verified=True
            )
        OneTimeCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
            expires_at=timezone.now()
        )
    return user


def _password_validate(*, password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidInput(fields={"new_password": list(exc.messages)}) from exc


def _current_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def user_profile_update(
    *, user: User, preferred_language: str, preferred_currency: str, time_zone: str
) -> User:
    """Save the traveller's language, currency and time zone."""
    errors: dict[str, list[str]] = {}
    if preferred_language not in dict(settings.LANGUAGES):
        errors["preferred_language"] = [_("Choose one of the languages offered.")]
    if preferred_currency not in settings.CURRENCIES:
        errors["preferred_currency"] = [_("Choose one of the currencies offered.")]
    if not time_zone_is_valid(time_zone):
        errors["time_zone"] = [_("Choose a valid time zone.")]
    if errors:
        raise InvalidInput(fields=errors)
    user.preferred_language = preferred_language
    user.preferred_currency = preferred_currency
    user.time_zone = time_zone
    user.save(update_fields=["preferred_language", "preferred_currency", "time_zone"])
    return user


def user_language_set(*, user: User, language: str) -> User:
    """Save the language the traveller chose in the header's switch."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(fields={"language": [_("Choose one of the languages offered.")]})
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return user


def time_zone_is_valid(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
