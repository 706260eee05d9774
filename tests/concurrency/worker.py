"""A worker process for the crash tests, killed (SIGKILL) at a chosen moment:

    WORKER_DIES=<moment> python -m tests.concurrency.worker <payment id>

It handles the traveller's return for the payment (renewal_payment_sync), which confirms it and
runs the provisioning job at commit, as the queue's consumer would. It prints READY at the
moment named, then waits to be killed:

- after-payment: the payment and the order's move to paid are committed, the provisioning
  job recorded, and the job not yet handed to anyone;
- before-network: the job is claimed (running, under a lease) and the network not called;
- after-network: the network has applied the allowance; our side knows nothing of it.

The network moments use tests.concurrency.dying_network (NETWORK_ADAPTER, set by the test)."""

import os
import sys
import time


def wait_to_be_killed(*args, **kwargs) -> None:
    print("READY", flush=True)
    time.sleep(600)
    sys.exit("not killed")


def main(payment_id: int) -> None:
    from roamcard.core import tasks
    from roamcard.orders.choices import TransitionCause
    from roamcard.renewals.services import PROVISION_JOB, renewal_payment_sync

    if os.environ["WORKER_DIES"] == "after-payment":
        tasks.job(PROVISION_JOB)(wait_to_be_killed)
    renewal_payment_sync(payment_id=payment_id, cause=TransitionCause.RETURN)
    sys.exit(f"finished without dying {os.environ['WORKER_DIES']}")


if __name__ == "__main__":
    import django

    django.setup()
    main(int(sys.argv[1]))
