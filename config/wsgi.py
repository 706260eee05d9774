import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Django runs its system checks before management commands, never before a WSGI server
# serves: run the production check here, so an unsafe configuration never serves a request.
from roamcard.core.checks import refuse_to_serve_if_unsafe  # noqa: E402

refuse_to_serve_if_unsafe()
