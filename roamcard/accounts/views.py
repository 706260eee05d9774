"""Pages of our own account flows: password reset by code, the profile, and the signed-in
devices (API tokens and browsers).

Sign-up, login, logout, verification, adding or changing an e-mail address or a mobile
number, change password and MFA are allauth's views, shown with our templates; the code
verification pages are wrapped for the cool-down on "send the code again"."""

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.internal.stagekit import clear_login
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.exceptions import RateLimited as AllauthRateLimited
from allauth.core.ratelimit import respond_429
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n as django_i18n
from django.views.decorators.http import require_http_methods

from roamcard.core.errors import InvalidInput, RateLimited

from . import services, verification
from .errors import (
    ApiTokenNotFound,
    OneTimeCodeInvalid,
    UserSessionNotFound,
    code_resend_wait_message,
)
from .forms import PasswordResetCodeForm, PasswordResetRequestForm, ProfileForm
from .languages import language_cookie_set
from .phones import normalize_phone
from .selectors import api_token_list_for, signed_in_browser_list_for, user_contacts
from .tokens import api_token_revoke_for

RESET_DESTINATION_SESSION_KEY = "roamcard_password_reset_destination"


def signup(request: HttpRequest) -> HttpResponse:
    """allauth's sign-up, all or nothing: when a step after the account is created fails
    (a rate limit on sending the verification SMS or e-mail answers 429), the account is
    rolled back and the half-begun login is dropped from the session."""
    try:
        with transaction.atomic():
            return allauth_views.signup(request)
    except Exception:
        clear_login(request)
        raise


def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switch: Django's set_language (the same form, the same
    cookie), and for a signed-in traveller the profile's language too, so that messages and
    the next login follow the choice."""
    response = django_i18n.set_language(request)
    language = request.POST.get(django_i18n.LANGUAGE_QUERY_PARAMETER, "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
    ):
        services.user_language_set(user=request.user, language=language)
    return response


@require_http_methods(["GET", "POST"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        destination = form.cleaned_data["destination"]
        try:
            services.password_reset_code_send(
                destination=destination, ip_address=get_adapter().get_client_ip(request)
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
        else:
            request.session[RESET_DESTINATION_SESSION_KEY] = destination
            return redirect("account_reset_password_code")
    return render(request, "account/password_reset_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_code(request: HttpRequest) -> HttpResponse:
    destination = request.session.get(RESET_DESTINATION_SESSION_KEY)
    if not destination:
        return redirect("account_reset_password")
    if request.method == "POST" and request.POST.get("action") == "resend":
        try:
            services.password_reset_code_send(
                destination=destination, ip_address=get_adapter().get_client_ip(request)
            )
        except RateLimited as exc:  # CodeResendTooSoon says how long to wait
            messages.error(request, exc.message)
        else:
            messages.info(request, _("We have sent a new code."))
        return redirect("account_reset_password_code")
    form = PasswordResetCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_reset_code_confirm(
                destination=destination,
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
            )
        except OneTimeCodeInvalid as exc:
            form.add_error("code", exc.message)
        except InvalidInput as exc:
            for message in exc.fields.get("new_password", [exc.message]):
                form.add_error("new_password1", message)
        else:
            if request.user.pk == user.pk:
                # The reset ended every session of the account, this one included.
                logout(request)
            else:
                del request.session[RESET_DESTINATION_SESSION_KEY]
            return redirect("account_reset_password_complete")
    return render(
        request,
        "account/password_reset_code.html",
        {
            "form": form,
            "destination": destination,
            "resend_wait": services.password_reset_code_resend_wait(destination=destination),
        },
    )


def verify_phone(request: HttpRequest) -> HttpResponse:
    """allauth's check of the SMS code (sign-up, login, adding or changing the number),
    where "send the code again" waits out the cool-down with a message instead of an
    error page, and also works when adding or changing the number (allauth offers it only
    at sign-up and login). A signed-in traveller whose new number is verified returns to
    the profile."""
    pending = verification.pending_code_for(request=request, channel=verification.PHONE)
    signed_in = request.user.is_authenticated
    if _is_resend(request) and pending is not None:
        if pending.wait_seconds:
            return _resend_too_soon(request, pending)
        if signed_in and verification.phone_change_code_resend(request=request):
            return redirect("account_verify_phone")
    response = allauth_views.verify_phone(request)
    if signed_in and pending is not None and request.method == "POST":
        user = request.user
        user.refresh_from_db(fields=["phone", "phone_verified"])
        if user.phone == pending.destination and user.phone_verified:
            return redirect("account_profile")
    return response


def confirm_email_code(request: HttpRequest) -> HttpResponse:
    """allauth's check of the e-mail code (sign-up, login, adding or changing the
    address), where "send the code again" waits out the cool-down with a message instead
    of an error page."""
    if _is_resend(request):
        pending = verification.pending_code_for(request=request, channel=verification.EMAIL)
        if pending is not None and pending.wait_seconds:
            return _resend_too_soon(request, pending)
    return allauth_views.email_verification_sent(request)


@login_required
def change_phone(request: HttpRequest) -> HttpResponse:
    """allauth's adding or changing of the mobile number; asking again for a code to the
    same number within the cool-down is answered with how long to wait."""
    try:
        return allauth_views.change_phone(request)
    except AllauthRateLimited:
        typed = request.POST.get("phone", "") or (request.user.phone or "")
        return _code_cool_down(request, verification.PHONE, typed, "account_change_phone")


@login_required
def manage_email(request: HttpRequest) -> HttpResponse:
    """allauth's adding or changing of the e-mail address; asking again for a code to the
    same address within the cool-down is answered with how long to wait."""
    try:
        return allauth_views.email(request)
    except ImmediateHttpResponse as exc:
        if exc.response.status_code != 429:
            raise
        typed = request.POST.get("email", "").strip()
        return _code_cool_down(request, verification.EMAIL, typed, "account_email")


def _code_cool_down(request: HttpRequest, channel: str, typed: str, url_name: str):
    try:
        destination = normalize_phone(typed) if channel == verification.PHONE else typed
    except ValidationError:
        destination = typed
    wait = verification.code_send_wait_seconds(
        request=request, channel=channel, destination=destination
    )
    if not wait:  # another limit than the cool-down: the usual answer
        return respond_429(request)
    messages.error(request, code_resend_wait_message(wait_seconds=wait))
    pending = verification.pending_code_for(request=request, channel=channel)
    if pending is not None and pending.destination.lower() == destination.lower():
        # The code sent a moment ago still works: back to where it is entered.
        return redirect(_CODE_PAGE[channel])
    return redirect(url_name)


_CODE_PAGE = {
    verification.PHONE: "account_verify_phone",
    verification.EMAIL: "account_email_verification_sent",
}


def _is_resend(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("action") == "resend"


def _resend_too_soon(request: HttpRequest, pending: verification.PendingCode) -> HttpResponse:
    messages.error(request, code_resend_wait_message(wait_seconds=pending.wait_seconds))
    return redirect(request.get_full_path())


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "account/password_reset_complete.html")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "preferred_language": user.preferred_language,
            "preferred_currency": user.preferred_currency,
            "time_zone": user.time_zone,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_profile_update(user=user, **form.cleaned_data)
        except InvalidInput as exc:
            for field, field_messages in exc.fields.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
            messages.success(request, _("Your profile has been saved."))
            response = redirect("account_profile")
            language_cookie_set(response, user.preferred_language)
            return response
    return render(
        request,
        "account/profile.html",
        {"form": form, "languages": settings.LANGUAGES, "contacts": user_contacts(user=user)},
    )


@login_required
@require_http_methods(["GET"])
def devices(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "account/devices.html",
        {
            "tokens": api_token_list_for(user=request.user),
            "browsers": signed_in_browser_list_for(
                user=request.user, current_session_key=request.session.session_key
            ),
        },
    )


@login_required
@require_http_methods(["POST"])
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        api_token_revoke_for(user=request.user, token_id=token_id)
    except ApiTokenNotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, _("The API token has been revoked."))
    return redirect("account_devices")


@login_required
@require_http_methods(["POST"])
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        ended_key = services.user_session_end(user=request.user, session_id=session_id)
    except UserSessionNotFound as exc:
        raise Http404(exc.message) from exc
    if ended_key == request.session.session_key:
        logout(request)
        return redirect("account_login")
    messages.success(request, _("That device has been signed out."))
    return redirect("account_devices")


@login_required
@require_http_methods(["POST"])
def sign_out_others(request: HttpRequest) -> HttpResponse:
    services.user_sign_out_everywhere(
        user=request.user, except_session_key=request.session.session_key
    )
    messages.success(
        request, _("Every other device has been signed out and every API token revoked.")
    )
    return redirect("account_devices")
