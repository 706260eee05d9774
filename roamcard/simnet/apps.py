from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimnetConfig(AppConfig):
    name = "roamcard.simnet"
    label = "simnet"
    verbose_name = _("Simulated network")
