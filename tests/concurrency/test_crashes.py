"""A worker process SIGKILLed after the payment and before provisioning, or during
provisioning (before or after the network applied the allowance). After the "restart" the
janitor finishes the order: exactly one bucket, one allowance on the network, one SMS."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from roamcard.notifications.models import Message
from roamcard.orders.choices import OrderState
from roamcard.payments.choices import PaymentState
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.janitor import janitor_sweep
from roamcard.simnet.models import SimAllowance
from tests.flows.helpers import pay_with, start_card_payment
from tests.simulation.invariants import assert_exactly_once

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database, as the worker process should reach it."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{s['USER']}{password}@{host}:{port}/{s['NAME']}"


def run_worker_until_killed(*, moment: str, payment_id: int, tmp_path: Path) -> None:
    """Start the worker, wait until it reports the moment, SIGKILL it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.concurrency.worker_settings",
        "DATABASE_URL": database_url(),
        "NETWORK_ADAPTER": "tests.concurrency.dying_network.DyingNetwork",
        "WORKER_DIES": moment,
        "PYTHONPATH": str(ROOT),
    }
    stderr_path = tmp_path / "worker.stderr"
    with stderr_path.open("w") as stderr:
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.concurrency.worker", str(payment_id)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
        )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in worker.stdout], daemon=True
    ).start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if lines.get(timeout=max(0.1, deadline - time.monotonic())).strip() == "READY":
                    break
            except queue.Empty:
                pass
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the worker never reached {moment}:\n{stderr_path.read_text()[-3000:]}"
                )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    assert worker.returncode == -signal.SIGKILL


def test_worker_killed_after_payment_before_provisioning(renewal_setup, tmp_path):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment, "4000000000000259")  # the notification is lost: only the return tells us

    run_worker_until_killed(moment="after-payment", payment_id=payment.pk, tmp_path=tmp_path)

    payment.refresh_from_db()
    order.refresh_from_db()
    job = ProvisioningJob.objects.get(order=order)
    assert payment.state == PaymentState.SUCCEEDED and payment.paid_order
    assert order.state == OrderState.PAID
    assert (job.state, job.attempts) == (ProvisioningJob.State.PENDING, 0)
    assert card.buckets.count() == 0

    # The restart: the next sweep finds the job nobody ran.
    assert janitor_sweep(now=timezone.now() + timedelta(seconds=31)).jobs_run == 1
    janitor_sweep(now=timezone.now() + timedelta(minutes=5))  # and later sweeps change nothing

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert card.buckets.count() == 1
    assert SimAllowance.objects.filter(card__iccid=card.iccid).count() == 1
    assert Message.objects.filter(kind="renewal_confirmed", channel="sms").count() == 1
    assert_exactly_once()


@pytest.mark.parametrize("moment", ["before-network", "after-network"])
def test_worker_killed_during_provisioning(renewal_setup, tmp_path, moment):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment, "4000000000000259")

    run_worker_until_killed(moment=moment, payment_id=payment.pk, tmp_path=tmp_path)

    job = ProvisioningJob.objects.get(order=order)
    assert (job.state, job.attempts) == (ProvisioningJob.State.RUNNING, 1)
    applied = SimAllowance.objects.filter(card__iccid=card.iccid).count()
    assert applied == (1 if moment == "after-network" else 0)
    assert card.buckets.count() == 0
    # The restart, once the dead worker's lease (1 s in the worker's settings) has run out.
    time.sleep(max(0.0, (job.lease_until - timezone.now()).total_seconds()) + 0.05)

    janitor_sweep()
    janitor_sweep(now=timezone.now() + timedelta(minutes=5))

    job.refresh_from_db()
    order.refresh_from_db()
    assert (job.state, job.attempts) == (ProvisioningJob.State.SUCCEEDED, 2)
    assert order.state == OrderState.FULFILLED
    assert card.buckets.count() == 1
    allowances = SimAllowance.objects.filter(card__iccid=card.iccid)
    assert allowances.count() == 1
    bucket = card.buckets.get()
    # The network and our bucket agree on the window fixed at the first attempt.
    assert (allowances[0].valid_from, allowances[0].valid_until) == (
        bucket.valid_from,
        bucket.valid_until,
    )
    assert Message.objects.filter(kind="renewal_confirmed", channel="sms").count() == 1
    assert_exactly_once()
