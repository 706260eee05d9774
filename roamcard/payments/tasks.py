from huey.contrib.djhuey import db_task

from . import services


@db_task(retries=5, retry_delay=10)
def webhook_process_task(delivery_id: int) -> None:
    services.webhook_process(delivery_id=delivery_id)


@db_task(retries=5, retry_delay=30)
def refund_execute_task(refund_id: int) -> None:
    services.refund_execute(refund_id=refund_id)
