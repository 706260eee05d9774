"""Per-user time zone, and the MFA requirement for staff."""

import time
import zoneinfo

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        tz_name = getattr(user, "time_zone", None) if user.is_authenticated else None
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class StaffMfaRequiredMiddleware:
    """The back office is open only to staff who have set up an authenticator app (TOTP).
    Staff without one are sent to set it up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    _admin_prefix: str | None = None

    def __call__(self, request):
        if self._admin_prefix is None:  # resolved once: the URLconf is loaded by now
            self._admin_prefix = reverse("admin:index")
        user = request.user
        if (
            request.path.startswith(self._admin_prefix)
            and user.is_authenticated
            and user.is_staff
            and not _has_totp(user)
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)


def _has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class SignInActivityMiddleware:
    """Keeps the "last active" time and address of each signed-in session (allauth's
    UserSession) for the devices page. Written at most once per ACTIVITY_RESOLUTION per
    session: the time of the last write rides in the session itself, so most requests add
    no query at all."""

    SESSION_KEY = "_roamcard_seen_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .services import SESSION_ACTIVITY_RESOLUTION, user_session_touch

        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.user.is_authenticated:
            now = time.time()
            if now - session.get(self.SESSION_KEY, 0) > SESSION_ACTIVITY_RESOLUTION:
                user_session_touch(request=request)
                session[self.SESSION_KEY] = now
        return self.get_response(request)


class RateLimitedMiddleware:
    """Any rate limit that escapes a page (ours or allauth's, e.g. sending a verification
    SMS while logging in) is answered with the translated 429 page, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from allauth.core.exceptions import RateLimited as AllauthRateLimited
        from allauth.core.ratelimit import respond_429

        from roamcard.core.errors import RateLimited

        if isinstance(exception, AllauthRateLimited | RateLimited):
            return respond_429(request)
        return None
