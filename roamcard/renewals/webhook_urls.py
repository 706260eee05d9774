from django.urls import path

from . import webhooks

# The gateways' notification endpoint keeps its place and name under /payments/.
app_name = "payments"

urlpatterns = [path("webhooks/<slug:gateway>/", webhooks.webhook, name="webhook")]
