from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "roamcard.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Every app's tasks.py registers its jobs (roamcard.core.tasks), in web processes
        # too, which enqueue them.
        autodiscover_modules("tasks")
        from . import checks  # noqa: F401  (registers the production check)
