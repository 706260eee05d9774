from django.urls import path

from . import views

app_name = "help"

urlpatterns = [
    path("", views.help_index_view, name="index"),
    path("contact/", views.help_contact_view, name="contact"),  # before the articles' slugs
    path("<slug:slug>/", views.help_article_view, name="article"),
]
