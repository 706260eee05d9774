from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "roamcard.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the production check)
