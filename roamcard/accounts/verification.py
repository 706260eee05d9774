"""Around allauth's verification by code (a mobile number by SMS, an e-mail address by
e-mail, at sign-up, at login and when a signed-in traveller adds or changes a contact):
which code is pending, how long until another may be sent, and sending it again.

allauth keeps each pending verification in the session and limits sending codes with its
rate limits (ACCOUNT_RATE_LIMITS "verify_phone" and "confirm_email", keyed on the number
or the address): the cool-down the pages count down is read from those same limits, so
the page and the server never disagree."""

import math
import time
from dataclasses import dataclass

from allauth.account import app_settings as allauth_settings
from allauth.account.internal.flows.email_verification_by_code import (
    EMAIL_VERIFICATION_CODE_SESSION_KEY,
)
from allauth.account.internal.flows.phone_verification import (
    PHONE_VERIFICATION_SESSION_KEY,
    ChangePhoneVerificationProcess,
)
from allauth.account.stages import LoginStageController, PhoneVerificationStage
from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.http import HttpRequest

PHONE = "phone"
EMAIL = "email"

# allauth's rate-limit action that every code sent to a channel's destination counts on.
_RATE_LIMIT_ACTION = {PHONE: "verify_phone", EMAIL: "confirm_email"}


@dataclass(frozen=True)
class PendingCode:
    """A verification code that allauth is waiting for."""

    channel: str  # PHONE or EMAIL
    destination: str  # the mobile number (E.164) or the e-mail address
    resends_left: int
    wait_seconds: int  # until another code may be sent to `destination`

    @property
    def can_resend(self) -> bool:
        return self.resends_left > 0


def pending_code_for(*, request: HttpRequest, channel: str) -> PendingCode | None:
    """The verification code pending in this browser's session for `channel`, if any.

    Only reads allauth's state: whether it has expired is for allauth's own page to say."""
    state = _pending_state(request, channel)
    destination = state.get(channel) if state else None
    if not destination:
        return None
    limit = (
        allauth_settings.PHONE_VERIFICATION_MAX_RESEND_COUNT
        if channel == PHONE
        else allauth_settings.EMAIL_VERIFICATION_MAX_RESEND_COUNT
    )
    return PendingCode(
        channel=channel,
        destination=destination,
        resends_left=max(limit - state.get("resend_count", 0), 0),
        wait_seconds=code_send_wait_seconds(
            request=request, channel=channel, destination=destination
        ),
    )


def _pending_state(request: HttpRequest, channel: str) -> dict | None:
    if channel == EMAIL:
        return request.session.get(EMAIL_VERIFICATION_CODE_SESSION_KEY)
    if request.user.is_authenticated:  # adding or changing the number
        return request.session.get(PHONE_VERIFICATION_SESSION_KEY)
    stage = LoginStageController.enter(request, PhoneVerificationStage.key)  # sign-up, login
    return stage.state if stage else None


def code_send_wait_seconds(*, request: HttpRequest, channel: str, destination: str) -> int:
    """Whole seconds until allauth's rate limits let another code go to `destination`
    from this client (0: now)."""
    action = _RATE_LIMIT_ACTION[channel]
    key = destination.lower() if channel == EMAIL else destination
    now = time.time()
    wait = 0.0
    for rate in ratelimit.get_rates(app="allauth.account", action=action):
        if rate.per == "user" and not request.user.is_authenticated:
            continue
        cache_key = ratelimit.get_cache_key(
            request, app="allauth.account", action=action, rate=rate, key=key
        )
        history = [at for at in cache.get(cache_key, []) if at > now - rate.duration]
        history.sort(reverse=True)
        if len(history) >= rate.amount:
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return math.ceil(wait)


def phone_change_code_resend(*, request: HttpRequest) -> bool:
    """Send a new code to the number a signed-in traveller is adding or changing to.

    allauth offers "send again" only at sign-up and login; this gives the change of number
    the same, with the same quota. Returns False when there is nothing to resend."""
    process = ChangePhoneVerificationProcess.resume(request)
    if process is None or process.is_resend_quota_reached(
        allauth_settings.PHONE_VERIFICATION_MAX_RESEND_COUNT
    ):
        return False
    process.send()  # a new code, within allauth's rate limits; it saves the state
    process.record_resend()
    process.persist()
    return True
