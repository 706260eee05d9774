from django.urls import path

from . import views

# Mounted with the gateways' notification endpoint (roamcard/renewals/webhook_urls.py)
# under /payments/, in the "payments" namespace (config/urls.py).
urlpatterns = [
    # Scan-to-pay: the code of a payment whose gateway answered with a QR code to show.
    path("<uuid:payment_id>/scan/", views.scan_view, name="scan"),
]
