from django.urls import path

from . import views

app_name = "sandbox"

urlpatterns = [
    path("pay/<str:charge_id>/", views.pay, name="pay"),
    path("pay/<str:charge_id>/confirm/", views.confirm, name="confirm"),
    path("pay/<str:charge_id>/wallet/", views.wallet, name="wallet"),
    path("setup/<str:mandate_id>/", views.setup, name="setup"),
    path("setup/<str:mandate_id>/wallet/", views.setup_wallet, name="setup_wallet"),
]
