from django.urls import path

from . import views

app_name = "store"

urlpatterns = [
    path("", views.store_view, name="index"),
    path("currency/", views.store_currency_view, name="currency"),
    path("regions/<slug:code>/", views.region_view, name="region"),
]
