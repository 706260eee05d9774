"""The traveller's customer service (mounted at /support/)."""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.ticket_list_view, name="ticket_list"),
    path("new/", views.ticket_new_view, name="ticket_new"),
    path("<uuid:public_id>/", views.ticket_detail_view, name="ticket_detail"),
    path("<uuid:public_id>/solved/", views.ticket_close_view, name="ticket_close"),
    path("attachments/<uuid:public_id>/", views.attachment_view, name="attachment"),
]
