from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutoRenewalConfig(AppConfig):
    name = "roamcard.autorenewal"
    label = "autorenewal"
    verbose_name = _("Automatic renewal")
