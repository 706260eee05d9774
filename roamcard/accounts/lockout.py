"""Counting guesses on the server: password logins (web and API alike) and verification
codes.

Logins are keyed on the normalised identity (a mobile number in E.164, an e-mail address in
lower case), so that `+86 139 1234 5678` and `+8613912345678` share one lock, and on the
client address. An attempt is counted *before* the password is checked, in one database
statement (roamcard/core/counters.py), so concurrent guesses cannot slip past the limit in
any number of processes; a successful login gives its count back."""

import hashlib
from dataclasses import dataclass

from allauth.account import app_settings as allauth_settings
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac

from roamcard.core.counters import counter_give_back, counter_hit
from roamcard.core.errors import RateLimited

from .phones import normalize_phone


def login_identity(login: str) -> str:
    """The one spelling of a login: an e-mail address in lower case, a mobile number in
    E.164; anything else as typed, trimmed and in lower case."""
    text = (login or "").strip()
    if "@" not in text:
        try:
            return normalize_phone(text)
        except ValidationError:
            pass
    return text.lower()


def _count(key: str, window: int) -> int:
    """Count one hit on `key` in a window that starts with the first hit (in the database,
    in one statement: atomic whatever the cache, see roamcard/core/counters.py)."""
    return counter_hit(key=key, window=window)


@dataclass(frozen=True)
class LoginAttempt:
    keys: tuple[str, ...]

    def succeeded(self) -> None:
        """A right password: this attempt does not count against the limits."""
        for key in self.keys:
            counter_give_back(key=key)


def login_attempt_start(*, login: str, ip_address: str | None) -> LoginAttempt:
    """Count a password login attempt; raise RateLimited when the login or the address has
    used up its failures, whether or not this password would be right."""
    limits = settings.LOGIN_FAILURE_LIMITS
    digest = hashlib.sha256(login_identity(login).encode()).hexdigest()
    keyed = [(f"login-attempts:login:{digest}", *limits["login"])]
    if ip_address:
        keyed.append((f"login-attempts:ip:{ip_address}", *limits["ip"]))
    counted = []
    for key, limit, window in keyed:
        counted.append(key)
        if _count(key, window) > limit:
            raise RateLimited()
    return LoginAttempt(keys=tuple(counted))


class VerificationCodeSpent(Exception):
    """The code was guessed at too often and no longer works, right or wrong."""


def verification_code_attempt(*, purpose: str, subject: str, code: str) -> None:
    """Count one guess at the verification code sent to `subject` (a phone or an e-mail
    address). allauth keeps its own count in the session, which concurrent requests
    overwrite; this one is on the server, keyed on the code itself, so a new code starts
    afresh. Raises VerificationCodeSpent past the limit."""
    limit, window = {
        "phone": (
            allauth_settings.PHONE_VERIFICATION_MAX_ATTEMPTS,
            allauth_settings.PHONE_VERIFICATION_TIMEOUT,
        ),
        "email": (
            allauth_settings.EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS,
            allauth_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
        ),
    }[purpose]
    value = f"{purpose}:{subject.lower()}:{code}"
    digest = salted_hmac("roamcard.accounts.verification_code", value).hexdigest()[:32]
    if _count(f"code-attempts:{digest}", window) > limit:
        raise VerificationCodeSpent()
