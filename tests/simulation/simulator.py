"""A seeded simulation of the renewal journey's outside world (docs/decisions/0004).

Travellers create orders and pay them (card: success, decline, 3-D Secure, lost
notification; Alipay / WeChat Pay: approve or cancel), come back to the site or not, cancel;
the sandbox's notifications arrive late, twice, out of order (we deliver its stored events,
signed, through the webhook endpoint); staff refund; the network fails before or after
applying; workers die holding a job or lose one; the janitor sweeps at various times. Every
step is drawn from random.Random(seed), so a seed replays the same run.

The task queue is ours: tasks enqueued by the services wait in `self.queue` and a worker
step runs one of them, chosen at random (so jobs run late and out of order), sometimes
twice (a worker that died after the work, before acknowledging it) and sometimes never (a
worker that died before it)."""

import contextlib
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from roamcard.core.errors import DomainError
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.models import Order
from roamcard.orders.services import order_cancel, order_create
from roamcard.payments.models import Payment
from roamcard.provisioning import services as provisioning_services
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import (
    renewal_pay,
    renewal_payment_sync,
    renewal_provision,
    renewal_refund_by_staff,
)
from roamcard.sandbox import services as sandbox
from roamcard.sandbox.models import SandboxCharge, SandboxEvent
from roamcard.simnet.adapter import SimulatedNetwork
from roamcard.simnet.models import SimFault
from roamcard.testing import GIB, make_card, make_plan, make_region, make_user
from tests.concurrency.racing import deliver

from .invariants import all_violations

CARD_NUMBERS = [  # (number, weight)
    ("4242424242424242", 45),  # succeeds
    ("4000000000000259", 15),  # succeeds, notification lost
    ("4000000000003220", 15),  # 3-D Secure step
    ("4000000000000002", 15),  # declined
    ("4000000000009995", 10),  # insufficient funds
]


class WorkerKilled(BaseException):
    """A worker process dying: no `except Exception` of ours catches it."""


class DyingNetwork(SimulatedNetwork):
    def __init__(self, *, after_applying: bool):
        self.after_applying = after_applying

    def apply_allowance(self, request):
        if self.after_applying:
            super().apply_allowance(request)
        raise WorkerKilled()


@dataclass
class Simulation:
    seed: int
    purchases: int
    monkeypatch: object
    rng: random.Random = field(init=False)
    queue: list = field(default_factory=list)
    deliverable: list[str] = field(default_factory=list)  # events the sandbox is sending
    trace: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        self.client = Client()
        self.monkeypatch.setattr(HUEY, "enqueue", self.queue.append)
        region = make_region(code="europe-33", name="Europe", countries=("FR", "DE", "IT"))
        self.travellers = [
            make_user(email=f"sim{i}@example.com", phone=f"+8526100000{i}", preferred_language=lang)
            for i, lang in enumerate(["en", "zh-hans", "ja", "en"])
        ]
        self.cards = [make_card(region=region, owner=t) for t in self.travellers]
        self.cards += [
            make_card(region=region, owner=self.travellers[0]),
            make_card(region=region, owner=self.travellers[2]),
        ]
        self.plans = [
            make_plan(region=region, data_bytes=GIB, days=7, prices={"CNY": 3800, "USD": 520}),
            make_plan(
                region=region, data_bytes=5 * GIB, days=30, prices={"CNY": 9800, "USD": 1350}
            ),
            make_plan(
                region=region, data_bytes=None, days=1, kind="day_pass", prices={"CNY": 2500}
            ),
        ]
        self.staff = make_user(email="sim-staff@example.com", is_staff=True)
        self.orders_created = 0

    # --- running -------------------------------------------------------------------------

    def log(self, line: str) -> None:
        self.trace.append(line)
        name = line.split(" ", 1)[0]
        self.counts[name] = self.counts.get(name, 0) + 1

    def run(self, *, check_every: int = 500) -> None:
        actions = [
            (self.create_order, 3), (self.start_payment, 4), (self.payer_acts, 5),
            (self.worker_step, 7), (self.deliver_webhook, 5), (self.traveller_returns, 3),
            (self.cancel, 0.4), (self.staff_refund, 0.4), (self.network_fault, 0.7),
            (self.worker_dies_provisioning, 1), (self.janitor, 2),
        ]  # fmt: skip
        functions, weights = zip(*actions, strict=True)
        step = 0
        while self.orders_created < self.purchases or step < self.purchases * 6:
            step += 1
            self.rng.choices(functions, weights)[0]()
            if step % check_every == 0:
                self.check(settled=False, when=f"after step {step}")
        self.drain()
        self.check(settled=True, when="after draining")

    def check(self, *, settled: bool, when: str) -> None:
        problems = all_violations(settled=settled)
        if problems:
            recent = "\n    ".join(self.trace[-40:])
            raise AssertionError(
                f"seed {self.seed}: exactly-once violated {when}:\n  "
                + "\n  ".join(problems)
                + f"\n  last steps:\n    {recent}"
                + f"\n  replay: SIM_SEEDS={self.seed} SIM_PURCHASES={self.purchases}"
            )

    def drain(self) -> None:
        """The outside world goes quiet: every queued task runs, every notification the
        sandbox owes arrives, the janitor sweeps (hours later) until nothing is left."""
        for _ in range(40):
            while self.queue:
                task = self.queue.pop(self.rng.randrange(len(self.queue)))
                if task.name == "renewal_reconcile_task" and task.eta is not None:
                    # A reconcile's next look, due later: each run schedules the next while
                    # the payment is open, and the sweep hours later covers it.
                    self.log(f"drain drops scheduled {task.name}{task.args}")
                    continue
                self.run_task(task)
            for event in SandboxEvent.objects.filter(
                pk__in=self.deliverable, delivered_at__isnull=True
            ):
                self.post(event)
            janitor_sweep(now=timezone.now() + timedelta(hours=3))
            if not self.queue and not self.open_work():
                return
        raise AssertionError(
            f"seed {self.seed}: still not settled after 40 rounds: {self.open_work()}"
        )

    def open_work(self) -> list[str]:
        return [
            f"{model.__name__}: {qs.count()}"
            for model, qs in (
                (Order, Order.objects.filter(state=OrderState.PAID)),
                (ProvisioningJob, ProvisioningJob.objects.filter(state__in=["pending", "running"])),
                (Payment, Payment.objects.filter(state__in=["created", "pending", "unknown"])),
            )
            if qs.exists()
        ]

    # --- the traveller -----------------------------------------------------------------------

    def create_order(self) -> None:
        if self.orders_created >= self.purchases:
            return
        card = self.rng.choice(self.cards)
        plan = self.rng.choice(self.plans)
        currency = self.rng.choice([p.currency for p in plan.prices.all()])
        key = self.rng.choice(["", "", f"key-{self.rng.randrange(1000)}"])
        try:
            order = order_create(
                user=card.owner,
                card_id=card.pk,
                plan_id=plan.pk,
                currency=currency,
                idempotency_key=key,
            )
        except DomainError as exc:
            self.log(f"create_order refused {exc.code}")
            return
        self.orders_created += 1
        self.log(f"create_order {order.pk} card {card.pk} plan {plan.pk} {currency} key {key!r}")

    def pick(self, queryset):
        # In a fixed order, so that a seed replays the same choices.
        ids = list(queryset.order_by("created_at", "pk").values_list("pk", flat=True))
        return queryset.model.objects.get(pk=self.rng.choice(ids)) if ids else None

    def start_payment(self) -> None:
        order = self.pick(
            Order.objects.filter(state__in=[OrderState.PENDING_PAYMENT, OrderState.PAYMENT_FAILED])
        )
        if order is None:
            return
        method = self.rng.choice(["card", "card", "alipay", "wechat_pay"])
        try:
            payment = renewal_pay(user=order.user, order=order, method=method)
        except DomainError as exc:
            self.log(f"start_payment refused {exc.code} order {order.pk}")
            return
        self.log(f"start_payment {payment.pk} order {order.pk} {method} -> {payment.state}")

    def payer_acts(self) -> None:
        charge = self.pick(
            SandboxCharge.objects.filter(status__in=["requires_payment", "requires_action"])
        )
        if charge is None:
            return
        approve = self.rng.random() < 0.8
        if charge.status == SandboxCharge.Status.REQUIRES_ACTION:
            charge = sandbox.sandbox_confirm_action(charge_id=charge.pk, approve=approve)
            how = f"3ds {'approve' if approve else 'deny'}"
        elif charge.method == "card":
            numbers, weights = zip(*CARD_NUMBERS, strict=True)
            number = self.rng.choices(numbers, weights)[0]
            charge = sandbox.sandbox_pay_by_card(charge_id=charge.pk, number=number)
            how = f"card {number}"
        else:
            charge = sandbox.sandbox_wallet_answer(charge_id=charge.pk, approve=approve)
            how = f"wallet {'approve' if approve else 'cancel'}"
        self.log(f"payer_acts {charge.merchant_payment_id[:8]} {how} -> {charge.status}")

    def traveller_returns(self) -> None:
        payment = self.pick(Payment.objects.all())
        if payment is None:
            return
        payment = renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
        self.log(f"traveller_returns payment {payment.pk} -> {payment.state}")

    def cancel(self) -> None:
        order = self.pick(
            Order.objects.filter(state__in=[OrderState.PENDING_PAYMENT, OrderState.PAYMENT_FAILED])
        )
        if order is not None:
            order = order_cancel(user=order.user, order_id=order.pk)
            self.log(f"cancel order {order.pk} -> {order.state}")

    # --- staff, the network, the workers ---------------------------------------------------------

    def staff_refund(self) -> None:
        """Staff refund all that is left, or (a fulfilled order) a part of it; sometimes the
        same form twice. Refusals (nothing left, a part of a plan not yet on the card) are
        what staff would read."""
        order = self.pick(Order.objects.filter(state__in=[OrderState.PAID, OrderState.FULFILLED]))
        if order is None:
            return
        partial = order.state == OrderState.FULFILLED and self.rng.random() < 0.5
        amount = max(1, order.amount_minor // 3) if partial else None
        key = f"sim-{self.rng.randrange(10**9)}"
        for _ in range(2 if self.rng.random() < 0.3 else 1):
            try:
                refund = renewal_refund_by_staff(
                    order=order,
                    staff=self.staff,
                    amount_minor=amount,
                    reason="not_used",
                    idempotency_key=key,
                )
            except DomainError as exc:
                self.log(f"staff_refund order {order.pk} refused: {exc.code}")
                return
            self.log(
                f"staff_refund order {order.pk} refund {refund.pk} {refund.amount_minor} "
                f"{refund.state}"
            )

    def network_fault(self) -> None:
        card = self.rng.choice(self.cards)
        mode = self.rng.choice([SimFault.Mode.REJECT, SimFault.Mode.TIMEOUT_AFTER_APPLY])
        SimFault.objects.create(iccid=card.iccid, mode=mode, remaining=self.rng.randint(1, 3))
        self.log(f"network_fault card {card.pk} {mode}")

    def worker_dies_provisioning(self) -> None:
        """A worker takes a job, calls the network and dies before or after it applied."""
        job = self.pick(ProvisioningJob.objects.filter(state=ProvisioningJob.State.PENDING))
        if job is None:
            return
        after = self.rng.random() < 0.5
        with self.monkeypatch.context() as patch:
            patch.setattr(
                provisioning_services, "get_network", lambda: DyingNetwork(after_applying=after)
            )
            with contextlib.suppress(WorkerKilled):
                renewal_provision(job_id=job.pk)
        # Time passes: the dead worker's lease runs out.
        ProvisioningJob.objects.filter(pk=job.pk, state=ProvisioningJob.State.RUNNING).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )
        self.log(f"worker_dies_provisioning job {job.pk} {'after' if after else 'before'} applying")

    def worker_step(self) -> None:
        if not self.queue:
            return
        task = self.queue.pop(self.rng.randrange(len(self.queue)))
        roll = self.rng.random()
        if roll < 0.05 and task.name != "sandbox_deliver_task":
            self.log(f"worker_step lost {task.name}{task.args}")  # died before running it
            return
        self.run_task(task)
        if roll > 0.93:
            self.queue.append(task)  # died after running it, before acknowledging: it runs again
            self.log(f"worker_step will repeat {task.name}{task.args}")

    def run_task(self, task) -> None:
        if task.name == "sandbox_deliver_task":
            # The sandbox is sending this notification: it may now arrive, any number of times.
            self.deliverable.append(task.args[0])
            self.log(f"worker_step sandbox sends {task.args[0]}")
            return
        task.execute()
        self.log(f"worker_step ran {task.name}{task.args}")

    def deliver_webhook(self) -> None:
        if not self.deliverable:
            return
        event = SandboxEvent.objects.get(pk=self.rng.choice(self.deliverable))
        self.post(event)

    def post(self, event: SandboxEvent) -> None:
        status = deliver(event, self.client)
        assert status == 200, f"seed {self.seed}: webhook {event.pk} answered {status}"
        SandboxEvent.objects.filter(pk=event.pk, delivered_at__isnull=True).update(
            delivered_at=timezone.now()
        )
        self.log(
            f"deliver_webhook {event.pk} {event.type} "
            f"{event.payload['data']['merchant_payment_id'][:8]}"
        )

    def janitor(self) -> None:
        offset = self.rng.choice(
            [timedelta(0), timedelta(seconds=31), timedelta(minutes=3), timedelta(hours=2)]
        )
        report = janitor_sweep(now=timezone.now() + offset)
        self.log(f"janitor +{offset} {report}")


def run_simulation(*, seed: int, purchases: int, monkeypatch) -> Simulation:
    started = time.monotonic()
    simulation = Simulation(seed=seed, purchases=purchases, monkeypatch=monkeypatch)
    simulation.run()
    simulation.elapsed = time.monotonic() - started
    return simulation
