from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import NotFound


class RegionNotFound(NotFound):
    code = "region_not_found"
    message = _("There is no such coverage.")


class PlanNotFound(NotFound):
    code = "plan_not_found"
    message = _("This plan is not on sale.")
