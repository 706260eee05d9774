"""Automatic renewal, beside the card's own pages (mounted under /cards/)."""

from django.urls import path

from . import views

app_name = "autorenewal"

urlpatterns = [
    path("<int:card_id>/auto-renewal/", views.policy_view, name="policy"),
    path("<int:card_id>/auto-renewal/<uuid:public_id>/skip/", views.skip_view, name="skip"),
    path(
        "<int:card_id>/auto-renewal/<uuid:public_id>/confirm/",
        views.confirm_view,
        name="confirm",
    ),
    # The notice's one-tap skip: signed, no login.
    path("auto-renewal/skip/<str:token>/", views.skip_link_view, name="skip_link"),
]
