"""Mobile numbers are stored in E.164 (+8613800138000), validated with `phonenumbers`."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_phone(raw: str, *, default_region: str | None = None) -> str:
    """Return the number in E.164, or raise ValidationError with a translated message."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _(
                "Enter a mobile number in international format, "
                "starting with + and the country code."
            ),
            code="invalid_phone",
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This is not a valid mobile number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
