import re
import zoneinfo

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from .choices import Weekday
from .models import SupportContact

_WECHAT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{5,19}$")
_LINE_ID = re.compile(r"^@?[A-Za-z0-9._-]{1,40}$")
_KAKAO_ID = re.compile(r"^_?[A-Za-z0-9]{1,39}$")


def e164(value: str) -> str:
    """A phone number typed in international format, as E.164 (+85221234567); a clear
    error for anything that is not a real, complete international number."""
    value = (value or "").strip()
    if not value:
        return ""
    message = _(
        "Enter the number in international format, starting with + and the country code, "
        "e.g. +85221234567."
    )
    if not value.startswith("+"):
        raise ValidationError(message, code="phone_not_international")
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(message, code="phone_invalid") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("%(number)s is not a valid phone number."),
            code="phone_invalid",
            params={"number": value},
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class SupportContactAdminForm(forms.ModelForm):
    days = forms.TypedMultipleChoiceField(
        label=_("Days open"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages served"),
        choices=settings.LANGUAGES,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )

    class Meta:
        model = SupportContact
        fields = (
            "days",
            "opens_at",
            "closes_at",
            "time_zone",
            "languages",
            "email",
            "phone",
            "whatsapp",
            "wechat",
            "line",
            "kakaotalk",
        )

    def clean_time_zone(self) -> str:
        name = (self.cleaned_data.get("time_zone") or "").strip()
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(
                _("“%(zone)s” is not a time zone. Use an IANA name such as Asia/Hong_Kong."),
                code="invalid_time_zone",
                params={"zone": name},
            ) from exc
        return name

    def clean_phone(self) -> str:
        return e164(self.cleaned_data.get("phone", ""))

    def clean_whatsapp(self) -> str:
        return e164(self.cleaned_data.get("whatsapp", ""))

    def clean_wechat(self) -> str:
        value = self.cleaned_data.get("wechat", "").strip()
        if value and not _WECHAT_ID.match(value):
            raise ValidationError(
                _("A WeChat ID has 6 to 20 letters, digits, _ or -, and starts with a letter."),
                code="invalid_wechat",
            )
        return value

    def clean_line(self) -> str:
        value = self.cleaned_data.get("line", "").strip()
        if value and not _LINE_ID.match(value):
            raise ValidationError(
                _(
                    "A LINE ID has letters, digits, dots, _ or -, "
                    "after an @ for an official account."
                ),
                code="invalid_line",
            )
        return value

    def clean_kakaotalk(self) -> str:
        value = self.cleaned_data.get("kakaotalk", "").strip()
        if value and not _KAKAO_ID.match(value):
            raise ValidationError(
                _("A KakaoTalk channel ID is the part after pf.kakao.com/, e.g. _xbRkCn."),
                code="invalid_kakaotalk",
            )
        return value

    def clean(self):
        cleaned = super().clean()
        opens, closes, days = (
            cleaned.get("opens_at"),
            cleaned.get("closes_at"),
            cleaned.get("days"),
        )
        if (opens is None) != (closes is None):
            self.add_error(
                "closes_at" if closes is None else "opens_at",
                ValidationError(
                    _("Give both the opening and the closing time."), code="hours_incomplete"
                ),
            )
        elif opens is not None and not days:
            self.add_error(
                "days",
                ValidationError(_("Choose the days these hours apply to."), code="days_missing"),
            )
        elif days and opens is None:
            self.add_error(
                "opens_at",
                ValidationError(
                    _("Give the opening and closing times of these days."), code="hours_missing"
                ),
            )
        return cleaned
