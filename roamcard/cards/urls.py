from django.urls import path

from . import views

app_name = "cards"

urlpatterns = [
    path("", views.card_list_view, name="list"),
    path("bind/", views.card_bind_view, name="bind"),
    path("buy/<slug:plan_code>/", views.card_buy_view, name="buy"),  # the store's "Buy"
    path("<int:card_id>/", views.card_detail_view, name="detail"),
    path("<int:card_id>/unbind/", views.card_unbind_view, name="unbind"),
    path("<int:card_id>/plans/", views.card_plans_view, name="plans"),
]
