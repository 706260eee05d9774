import zoneinfo
from datetime import timedelta

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import ChangePhoneForm as AllauthChangePhoneForm
from allauth.account.forms import ConfirmEmailVerificationCodeForm as AllauthConfirmEmailForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.forms import VerifyPhoneForm as AllauthVerifyPhoneForm
from babel.dates import get_timezone_gmt
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import InvalidInput
from roamcard.core.locales import time_zone_label
from roamcard.core.money import babel_locale

from .lockout import VerificationCodeSpent, verification_code_attempt
from .phones import normalize_phone
from .services import destination_parse, time_zone_is_valid

# Offered on the profile page; any other valid IANA zone a user already has is kept.
COMMON_TIME_ZONES = [
    "UTC",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Singapore",
    "Asia/Bangkok",
    "Asia/Kuala_Lumpur",
    "Asia/Jakarta",
    "Asia/Manila",
    "Asia/Ho_Chi_Minh",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
    "Pacific/Honolulu",
]


class SignupForm(AllauthSignupForm):
    """Sign up with an e-mail address, a mobile number, or both; at least one is needed.

    Settings mark the e-mail field as required only to satisfy allauth's checks."""

    field_order = ["email", "phone", "password1", "password2"]

    # Filled in by app.js with the browser's IANA zone; anything else is ignored, never an
    # error (the account then takes the zone cookie, or UTC).
    time_zone = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-browser-time-zone": ""})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.required = False
        email.widget.is_required = False
        email.label = _("E-mail address")
        email.widget.attrs["placeholder"] = "name@example.com"
        phone = self.fields["phone"]
        phone.label = _("Mobile number")
        phone.help_text = _(
            "International format, e.g. +8613800138000. "
            "Give an e-mail address, a mobile number or both."
        )
        phone.widget.attrs["placeholder"] = "+8613800138000"

    def clean_time_zone(self) -> str:
        value = self.cleaned_data.get("time_zone") or ""
        return value if len(value) <= 64 and time_zone_is_valid(value) else ""

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors.get("phone"):
            raise forms.ValidationError(
                _("Enter an e-mail address or a mobile number."), code="email_or_phone_required"
            )
        return cleaned


class LoginForm(AllauthLoginForm):
    """allauth's login with the mobile number accepted as typed (spaces, dashes) and
    turned into E.164 before allauth looks the account up."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("E-mail or mobile number")
        login.widget.attrs["placeholder"] = _("name@example.com or +8613800138000")
        login.widget.attrs["autocomplete"] = "username"

    def clean_login(self) -> str:
        login = super().clean_login()
        if "@" not in login:
            try:
                return normalize_phone(login)
            except ValidationError:
                pass
        return login


CODE_SPENT_MESSAGE = _(
    "This code was tried too many times and no longer works. Ask for a new code."
)


class _CodeGuessesCountedOnTheServer:
    """Counts each guess at an allauth verification code on the server (lockout.py) before
    allauth checks it: `code_purpose` names the limits, `code_subject` the attribute that
    holds where the code was sent."""

    code_purpose: str
    code_subject: str

    def clean_code(self) -> str:
        try:
            verification_code_attempt(
                purpose=self.code_purpose,
                subject=getattr(self, self.code_subject) or "",
                code=self.expected_code or "",
            )
        except VerificationCodeSpent as exc:
            raise ValidationError(CODE_SPENT_MESSAGE, code="code_spent") from exc
        return super().clean_code()


class VerifyPhoneForm(_CodeGuessesCountedOnTheServer, AllauthVerifyPhoneForm):
    """allauth's check of the SMS code, with the guesses counted on the server."""

    code_purpose = code_subject = "phone"


class ConfirmEmailCodeForm(_CodeGuessesCountedOnTheServer, AllauthConfirmEmailForm):
    """allauth's check of the e-mail code, with the guesses counted on the server."""

    code_purpose = code_subject = "email"


class PasswordResetRequestForm(forms.Form):
    destination = forms.CharField(
        label=_("E-mail or mobile number"),
        max_length=254,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "placeholder": _("name@example.com or +8613800138000"),
            }
        ),
    )

    def clean_destination(self) -> str:
        try:
            return destination_parse(raw=self.cleaned_data["destination"]).address
        except InvalidInput as exc:
            raise ValidationError(exc.message, code=exc.code) from exc


class PasswordResetCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords do not match."))
        return cleaned


def time_zone_choices(zones: list[str]) -> list[tuple[str, str]]:
    """The zones named in the active language, e.g. "(GMT+09:00) 대한민국 시간", in order of
    their offset from UTC now, east of it last; UTC itself first."""
    now = timezone.now()
    locale = babel_locale()
    rows = []
    for zone in zones:
        local_now = now.astimezone(zoneinfo.ZoneInfo(zone))
        offset = local_now.utcoffset() or timedelta(0)
        label = time_zone_label(zone)
        if zone != "UTC":
            label = f"({get_timezone_gmt(local_now, locale=locale)}) {label}"
        rows.append((zone != "UTC", offset, label, zone))
    return [(zone, label) for _utc, _offset, label, zone in sorted(rows)]


class LanguageSelect(forms.Select):
    """Each language is named in itself ("한국어", "日本語"); the option says which language
    that name is in, for screen readers and for the page's own language checks."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option


class ProfileForm(forms.Form):
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, widget=LanguageSelect
    )
    preferred_currency = forms.ChoiceField(
        label=_("Currency"), choices=[(code, code) for code in settings.CURRENCIES]
    )
    time_zone = forms.ChoiceField(label=_("Time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = list(COMMON_TIME_ZONES)
        current = self.initial.get("time_zone")
        if current and current not in zones and time_zone_is_valid(current):
            zones.append(current)
        self.fields["time_zone"].choices = time_zone_choices(zones)

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"]
        if not time_zone_is_valid(value):
            raise ValidationError(_("Choose a valid time zone."), code="invalid_time_zone")
        return value


class ChangePhoneForm(AllauthChangePhoneForm):
    """allauth's adding or changing of the mobile number, worded as on our sign-up page.
    The new number takes effect once its SMS code is entered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        phone = self.fields["phone"]
        phone.label = _("New mobile number") if self.phone else _("Mobile number")
        phone.help_text = _("International format, e.g. +8613800138000.")
        phone.widget.attrs["placeholder"] = "+8613800138000"


class AddEmailForm(AllauthAddEmailForm):
    """allauth's adding or changing of the e-mail address. The new address takes effect
    once its code is entered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        has_email = bool(self.user and self.user.email)
        email.label = _("New e-mail address") if has_email else _("E-mail address")
        email.widget.attrs["placeholder"] = "name@example.com"
