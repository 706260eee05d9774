from django.conf import settings
from django.utils import timezone

from .locales import time_zone_label


def site(request):
    return {
        "LANGUAGES": settings.LANGUAGES,
        "site_name": settings.SITE_NAME,
        # The zone the page's times are shown in, named in the reader's language.
        "time_zone_label": time_zone_label(timezone.get_current_timezone_name()),
    }
