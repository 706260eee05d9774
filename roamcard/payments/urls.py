from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [path("webhooks/<slug:gateway>/", views.webhook, name="webhook")]
