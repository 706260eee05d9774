"""Reading accounts: the traveller's contacts (e-mail address and mobile number), live API
tokens and signed-in browsers."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ua_parser
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.db.models import QuerySet
from django.utils import timezone

from .models import ApiToken


def api_token_list_for(*, user: Any) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-id")


@dataclass(frozen=True)
class SignedInBrowser:
    id: int
    browser: str
    ip_address: str
    signed_in_at: datetime
    last_active_at: datetime
    is_current: bool


def signed_in_browser_list_for(
    *, user: Any, current_session_key: str | None
) -> list[SignedInBrowser]:
    """The user's signed-in sessions (sessions that ended or were invalidated by a new
    password are dropped on the way), most recently active first."""
    sessions = UserSession.objects.purge_and_list(user)
    browsers = [
        SignedInBrowser(
            id=session.pk,
            browser=browser_describe(session.user_agent),
            ip_address=session.ip,
            signed_in_at=session.created_at,
            last_active_at=session.last_seen_at,
            is_current=session.session_key == current_session_key,
        )
        for session in sessions
    ]
    return sorted(browsers, key=lambda b: (b.is_current, b.last_active_at), reverse=True)


def browser_describe(user_agent: str) -> str:
    """The browser and system ("Chrome · Android") a User-Agent header names; "" when it
    names neither."""
    parsed = ua_parser.parse(user_agent or "")
    browser = parsed.user_agent.family if parsed.user_agent else ""
    system = parsed.os.family if parsed.os else ""
    browser = "" if browser == "Other" else browser
    system = "" if system == "Other" else system
    if browser and system:
        return f"{browser} · {system}"
    return browser or system


@dataclass(frozen=True)
class Contacts:
    """How a traveller signs in and gets codes: each works once verified."""

    email: str | None
    email_verified: bool
    phone: str | None
    phone_verified: bool


def user_contacts(*, user: Any) -> Contacts:
    """The account's e-mail address (the verified one if any) and mobile number."""
    address = EmailAddress.objects.filter(user_id=user.pk).order_by("-verified", "-primary").first()
    if address is not None:
        email, email_verified = address.email, address.verified
    else:
        email, email_verified = user.email or None, False
    return Contacts(
        email=email,
        email_verified=email_verified,
        phone=user.phone or None,
        phone_verified=bool(user.phone and user.phone_verified),
    )
