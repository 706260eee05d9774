"""ICCIDs: 18 to 20 digits, starting with 89 (telecom), the last one a Luhn check digit."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError


def normalize_iccid(raw: str) -> str:
    """Strip spaces and dashes as printed on the card; raise ValidationError if invalid."""
    iccid = "".join(ch for ch in (raw or "") if ch not in " -")
    if not iccid.isdigit() or not 18 <= len(iccid) <= 20:
        raise ValidationError(_("A card number (ICCID) has 18 to 20 digits."), code="invalid_iccid")
    if not iccid.startswith("89"):
        raise ValidationError(_("A card number (ICCID) starts with 89."), code="invalid_iccid")
    try:
        luhn.validate(iccid)
    except StdnumError as exc:
        raise ValidationError(
            _("This card number is not valid: please check the digits."), code="invalid_iccid"
        ) from exc
    return iccid


def iccid_with_check_digit(body: str) -> str:
    """Append the Luhn check digit to the first 17 to 19 digits of an ICCID."""
    return body + luhn.calc_check_digit(body)
