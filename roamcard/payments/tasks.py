"""Payments' own background step: thin, it calls one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*"))
def payment_methods_sweep_task() -> None:
    """Every minute: setups whose outcome is due to be asked, removals the gateways have
    not confirmed."""
    services.payment_methods_sweep()
