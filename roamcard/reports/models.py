from django.db import models
from django.utils.translation import gettext_lazy as _


class Report(models.Model):
    """No table: the back office's reports read the other apps' tables. The model gives the
    reports their place in the back office's sidebar and their permission,
    `reports.view_reports`, which a staff member needs to open any of them."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", _("Can view the reports"))]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
