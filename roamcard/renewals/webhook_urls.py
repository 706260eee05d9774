from django.urls import path

from . import webhooks

# The gateways' notification endpoint keeps its place and name under /payments/ (mounted
# with the payments pages in config/urls.py).
urlpatterns = [path("webhooks/<slug:gateway>/", webhooks.webhook, name="webhook")]
