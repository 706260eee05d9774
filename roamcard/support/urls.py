"""The traveller's customer service (mounted at /support/)."""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.ticket_list_view, name="list"),
    path("new/", views.ticket_new_view, name="new"),
    path("<uuid:public_id>/", views.ticket_detail_view, name="detail"),
    path("<uuid:public_id>/solved/", views.ticket_close_view, name="close"),
    path("attachments/<uuid:public_id>/", views.attachment_view, name="attachment"),
]
