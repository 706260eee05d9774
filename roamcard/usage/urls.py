"""The usage records of a card, beside the card's own pages (mounted under /cards/)."""

from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("<int:card_id>/usage/", views.usage_records_view, name="records"),
    path("<int:card_id>/usage.csv", views.usage_records_csv_view, name="records_csv"),
]
