from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("webhooks/<slug:gateway>/", views.webhook, name="webhook"),
    # Scan-to-pay: the code of a payment whose gateway answered with a QR code to show.
    path("<uuid:payment_id>/scan/", views.scan_view, name="scan"),
]
