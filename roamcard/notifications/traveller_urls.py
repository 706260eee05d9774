"""The traveller's notices, and their notification settings beside the other account
pages."""

from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("notices/", views.notice_list_view, name="list"),
    path("notices/<int:notice_id>/read/", views.notice_read_view, name="read"),
    path("notices/read-all/", views.notice_read_all_view, name="read_all"),
    path("accounts/notifications/", views.notification_preferences_view, name="preferences"),
]
