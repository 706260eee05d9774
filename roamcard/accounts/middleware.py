"""Per-user time zone, the MFA requirement for staff, and the Content-Security-Policy (with
the back office's own additions)."""

import time
import zoneinfo

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone


class _KnowsTheAdminPath:
    """Tells whether a request is for the back office, wherever ADMIN_PATH puts it."""

    _admin_prefix: str | None = None

    def is_admin_path(self, request) -> bool:
        if self._admin_prefix is None:  # resolved once: the URLconf is loaded by now
            self._admin_prefix = reverse("admin:index")
        return request.path.startswith(self._admin_prefix)


class UserTimezoneMiddleware:
    """Times are shown in the signed-in traveller's zone (their profile's); for a visitor,
    in the browser's zone once app.js has told it (a cookie); else in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .languages import browser_time_zone

        user = request.user
        if user.is_authenticated:
            tz_name = getattr(user, "time_zone", None)
        else:
            tz_name = browser_time_zone(request)
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class StaffMfaRequiredMiddleware(_KnowsTheAdminPath):
    """The back office is open only to staff who have set up an authenticator app (TOTP).
    Staff without one are sent to set it up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            self.is_admin_path(request)
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


class ContentSecurityPolicyMiddleware(_KnowsTheAdminPath, CSPMiddleware):
    """django-csp's policy (CONTENT_SECURITY_POLICY) on every response; the back office's
    pages get ADMIN_CONTENT_SECURITY_POLICY_ADDITIONS on top, and no other page does."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and self.is_admin_path(request):
            parts.update = {
                **settings.ADMIN_CONTENT_SECURITY_POLICY_ADDITIONS,
                **(parts.update or {}),
            }
        return parts
