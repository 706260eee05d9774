from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    DAY_PASS = "day_pass", _("Day pass")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    ADD_ON = "add_on", _("Add-on")
