from huey.contrib.djhuey import db_task

from . import services


@db_task(retries=5, retry_delay=30)
def message_deliver_task(message_id: int) -> None:
    services.message_deliver(message_id=message_id)
