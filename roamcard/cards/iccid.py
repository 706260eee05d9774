"""ICCIDs: 18 to 20 digits, starting with 89 (telecom), the last one a Luhn check digit."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import luhn

# A digit doubled, its two digits summed (Luhn): 5 -> 10 -> 1.
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_is_valid(digits: str) -> bool:
    """Whether a string of ASCII digits ends in its Luhn check digit. Written out rather
    than python-stdnum's luhn.validate: an import checks a million of them, and this is
    several times faster."""
    kept = sum(map(int, digits[-1::-2]))
    doubled = sum(map(int, digits[-2::-2].translate(_DOUBLED)))
    return (kept + doubled) % 10 == 0


def is_valid_iccid(iccid: str) -> bool:
    """normalize_iccid's test for an ICCID already without spaces or dashes, as a bool."""
    return (
        iccid.isascii()
        and iccid.isdigit()
        and 18 <= len(iccid) <= 20
        and iccid.startswith("89")
        and luhn_is_valid(iccid)
    )


def normalize_iccid(raw: str) -> str:
    """Strip spaces and dashes as printed on the card; raise ValidationError if invalid."""
    iccid = (raw or "").replace(" ", "").replace("-", "")
    if not (iccid.isascii() and iccid.isdigit()) or not 18 <= len(iccid) <= 20:
        raise ValidationError(_("A card number (ICCID) has 18 to 20 digits."), code="invalid_iccid")
    if not iccid.startswith("89"):
        raise ValidationError(_("A card number (ICCID) starts with 89."), code="invalid_iccid")
    if not luhn_is_valid(iccid):
        raise ValidationError(
            _("This card number is not valid: please check the digits."), code="invalid_iccid"
        )
    return iccid


def iccid_with_check_digit(body: str) -> str:
    """Append the Luhn check digit to the first 17 to 19 digits of an ICCID."""
    return body + luhn.calc_check_digit(body)
