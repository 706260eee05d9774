from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list_view, name="list"),
    path("new/", views.order_create_view, name="create"),
    path("<uuid:public_id>/", views.order_detail_view, name="detail"),
    path("<uuid:public_id>/pay/", views.order_pay_view, name="pay"),
    path("<uuid:public_id>/cancel/", views.order_cancel_view, name="cancel"),
    # The gateway sends the traveller back here (payments.services builds this URL).
    path("<uuid:public_id>/return/", views.order_return_view, name="return"),
    path("<uuid:public_id>/result/", views.order_result_view, name="result"),
    path("<uuid:public_id>/receipt/", views.order_receipt_view, name="receipt"),
]
