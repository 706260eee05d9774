from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "roamcard.demo"
    label = "demo"
    verbose_name = "Demo data"
