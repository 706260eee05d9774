from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [path("inbox/", views.dev_inbox, name="dev_inbox")]
