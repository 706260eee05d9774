from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    DAY_PASS = "day_pass", _("Day pass")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    ADD_ON = "add_on", _("Add-on")

    @property
    def starts_on_first_use(self) -> bool:
        """A plan of this kind starts the first time the card uses data in a covered
        country, not when it is bought (docs/decisions/0003)."""
        return self in FIRST_USE_KINDS


FIRST_USE_KINDS = frozenset({PlanKind.DAY_PASS})
