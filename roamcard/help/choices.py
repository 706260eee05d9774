from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    """What a help article is about; the help page lists the topics in this order."""

    ACCOUNT = "account", _("Your account")
    CARDS = "cards", _("Cards")
    RENEWALS = "renewals", _("Renewals and payment")
    DATA_ABROAD = "data_abroad", _("Data abroad")
    REFUNDS = "refunds", _("Refunds")


TOPIC_ORDER = {value: index for index, value in enumerate(Topic.values)}


class Weekday(models.IntegerChoices):
    """Days as Python counts them (date.weekday()): Monday is 0."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")
