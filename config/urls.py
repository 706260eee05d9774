from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from config.api import api
from roamcard.accounts.views import set_language
from roamcard.payments.urls import urlpatterns as payment_pages
from roamcard.renewals.webhook_urls import urlpatterns as gateway_notifications

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    # Django's language switch, which also saves a signed-in traveller's choice.
    path("i18n/setlang/", set_language, name="set_language"),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("api/v1/", api.urls),
    # The scan-to-pay page and the gateways' notification endpoint.
    path("payments/", include((payment_pages + gateway_notifications, "payments"))),
    # The traveller's notices (/notices/) and notification settings (/accounts/notifications/).
    path("", include("roamcard.notifications.traveller_urls")),
    # Saved payment methods, under the account (before allauth's catch-all account URLs).
    path("accounts/payment-methods/", include("roamcard.payments.account_urls")),
    path("accounts/", include("roamcard.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("cards/", include("roamcard.cards.urls")),  # my cards, bind, detail, unbind, plans
    path("cards/", include("roamcard.usage.urls")),  # a card's usage records, CSV export
    path("cards/", include("roamcard.autorenewal.urls")),  # a card's automatic renewal, skip
    path("orders/", include("roamcard.renewals.urls")),  # renewal: summary, pay, result, history
    path("store/", include("roamcard.catalog.urls")),  # public: destinations, plans, coverages
    path("support/", include("roamcard.support.urls")),  # my questions, ask, a conversation
    path("help/", include("roamcard.help.urls")),  # public: help articles, search, contact
]
# Development tools: not even routed unless switched on (never in production).
if settings.DEV_INBOX_ENABLED:
    urlpatterns.append(path("dev/", include("roamcard.notifications.urls")))
if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("roamcard.sandbox.urls")))
