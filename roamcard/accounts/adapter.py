"""allauth adapter: phone numbers live on our User, and every code goes out via the outbox."""

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from roamcard.core.errors import RateLimited
from roamcard.notifications.services import message_queue, message_render_and_queue

from .languages import locale_of_request
from .lockout import login_attempt_start
from .phones import normalize_phone


def _language_for(user: Any) -> str:
    """A message goes out in its recipient's language: the account's, else (nobody's
    account, e.g. "no account uses this address") the language of the request."""
    if user is not None and getattr(user, "preferred_language", None):
        return user.preferred_language
    return translation.get_language() or settings.LANGUAGE_CODE


def _site(request: Any) -> tuple[SimpleNamespace, str]:
    """What allauth's e-mails call `current_site` (its name would be blank without
    django.contrib.sites), and the address of the site's home page."""
    if request is not None:
        base_url = request.build_absolute_uri("/")
    else:
        base_url = settings.PUBLIC_BASE_URL.rstrip("/") + "/"
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(base_url).netloc), base_url


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        return [
            "roamcard.accounts.stages.EmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    def pre_authenticate(self, request: Any, **credentials: Any) -> None:
        """allauth's own failed-login limit keys a phone login on an empty string, so
        every phone user would share one lock; ours (in authenticate) replaces it."""

    def authenticate(self, request: Any, **credentials: Any) -> Any:
        login = next(
            (credentials[k] for k in ("email", "phone", "username") if credentials.get(k)), ""
        )
        try:
            attempt = login_attempt_start(login=login, ip_address=self.get_client_ip(request))
        except RateLimited as exc:
            raise ImmediateHttpResponse(respond_429(request)) from exc
        user = super().authenticate(request, **credentials)
        if user is not None:
            attempt.succeeded()
        return user

    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        # User.email is unique but optional: a traveller without one is stored as NULL,
        # so that any number of phone-only accounts can exist.
        user = super().save_user(request, user, form, commit=False)
        user.email = user.email or None
        # The new account speaks the language the traveller signed up in, prices in its
        # currency and shows times in the browser's zone.
        cleaned = getattr(form, "cleaned_data", {})
        locale = locale_of_request(request, time_zone=cleaned.get("time_zone") or "")
        user.preferred_language = locale.language
        user.preferred_currency = locale.currency
        user.time_zone = locale.time_zone
        if commit:
            user.save()
        return user

    def phone_form_field(self, **kwargs: Any) -> Any:
        # allauth's E.164 pattern would refuse "+86 139 1234 5678" before clean_phone
        # gets to normalise it; phonenumbers validates instead.
        kwargs.setdefault("validators", [])
        return super().phone_form_field(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        kind = template_prefix.rsplit("/", 1)[-1]
        user = context.get("user")
        if user is None and kind == "account_already_exists":
            user = get_user_model().objects.filter(email__iexact=email).first()
        language = _language_for(user)
        current_site, site_url = _site(allauth_context.request)
        context = {
            "email": email,
            "current_site": current_site,
            "site_url": site_url,
            "minutes": settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT // 60,
            **context,
        }
        with translation.override(language):
            rendered = self.render_mail(template_prefix, email, context)
        html = ""
        for content, mimetype in getattr(rendered, "alternatives", []):
            if mimetype == "text/html":
                html = content
        message_queue(
            channel="email",
            to=email,
            kind=kind,
            subject=rendered.subject,
            body=rendered.body,
            html_body=html,
            user=user if getattr(user, "pk", None) else None,
            language=language,
        )

    def send_verification_code_sms(self, user: Any, phone: str, code: str, **kwargs: Any) -> None:
        message_render_and_queue(
            channel="sms",
            to=phone,
            kind="phone_verification_code",
            context={"code": code},
            user=user if getattr(user, "pk", None) else None,
            language=_language_for(user),
        )

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        message_render_and_queue(
            channel="sms",
            to=phone,
            kind="unknown_account",
            context={},
            language=_language_for(None),
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        message_render_and_queue(
            channel="sms",
            to=phone,
            kind="account_already_exists",
            context={},
            language=_language_for(self.get_user_by_phone(phone)),
        )

    def set_phone(self, user: Any, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        if user.pk:  # during sign-up the user is saved once, after every field is set
            user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user: Any) -> tuple[str, bool] | None:
        if user.phone:
            return user.phone, user.phone_verified
        return None

    def set_phone_verified(self, user: Any, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> Any:
        return get_user_model().objects.filter(phone=phone).order_by("pk").first()

    def populate_username(self, request: Any, user: Any) -> None:
        # Travellers never see a username; generate a unique one from what they gave us.
        if not user.username:
            user.username = self.generate_unique_username(
                [user.email, (user.phone or "").lstrip("+"), "traveller"]
            )

    def get_email_verification_redirect_url(self, email_address: Any) -> str:
        # A signed-in traveller who has just added or changed the address sees it on the
        # profile, beside the mobile number.
        request = getattr(self, "request", None)
        if request is not None and request.user.is_authenticated:
            return reverse("account_profile")
        return super().get_email_verification_redirect_url(email_address)

    def can_delete_email(self, email_address: Any) -> bool:
        # Never the last way to sign in: an address may go only while the account keeps
        # another verified address or a verified mobile number.
        if not super().can_delete_email(email_address):
            return False
        if not email_address.pk:
            return True
        user = email_address.user
        others = EmailAddress.objects.filter(user_id=user.pk, verified=True).exclude(
            pk=email_address.pk
        )
        return others.exists() or bool(user.phone and user.phone_verified)
