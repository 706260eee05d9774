from django.conf import settings


def site(request):
    return {"LANGUAGES": settings.LANGUAGES, "site_name": "roamcard"}
