from django.conf import settings
from django.utils import timezone
from django.utils.functional import lazy

from .locales import time_zone_label

# Worked out only by a page that shows it.
_lazy_time_zone_label = lazy(time_zone_label, str)


def site(request):
    return {
        "LANGUAGES": settings.LANGUAGES,
        "site_name": settings.SITE_NAME,
        # The zone the page's times are shown in, named in the reader's language.
        "time_zone_label": _lazy_time_zone_label(timezone.get_current_timezone_name()),
    }
