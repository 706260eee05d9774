from django.urls import path

from . import views

# The traveller's saved payment methods, under the account (config/urls.py mounts them at
# /accounts/payment-methods/).
app_name = "payment_methods"

urlpatterns = [
    path("", views.methods_view, name="list"),
    path("add/", views.method_add_view, name="add"),
    path("setups/<uuid:public_id>/", views.setup_return_view, name="setup_return"),
    path("<uuid:public_id>/remove/", views.method_remove_view, name="remove"),
]
