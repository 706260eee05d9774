from django.db import models
from django.utils.translation import gettext_lazy as _


class CardStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXPIRED = "expired", _("Expired")


class CardForm(models.TextChoices):
    PHYSICAL = "physical", _("Physical SIM")
    ESIM = "esim", _("eSIM")
