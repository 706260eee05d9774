from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "roamcard.core"
    label = "core"
    verbose_name = "Core"
