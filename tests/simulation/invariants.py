"""What must hold after any mixture of payments, webhooks, returns, refunds, crashes and
janitor sweeps (docs/decisions/0004). Shared by the concurrency tests and the randomized
run; each check returns the violations it found, so a failure lists all of them at once."""

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from roamcard.cards.models import Bucket, Card
from roamcard.core.models import AuditEvent
from roamcard.ledger.models import DATA_UNIT, Entry
from roamcard.ledger.selectors import account_balance, card_data_balance, unit_totals
from roamcard.ledger.services import DATA_USED_ACCOUNT
from roamcard.notifications.models import Message
from roamcard.orders.choices import TRANSITIONS, OrderState
from roamcard.orders.models import Order, OrderEvent
from roamcard.payments.choices import PaymentState, RefundState
from roamcard.payments.models import Payment, Refund, WebhookDelivery
from roamcard.provisioning.models import ProvisioningJob
from roamcard.sandbox.models import SandboxCharge
from roamcard.simnet.models import SimAllowance
from roamcard.usage.models import UsageBatch, UsageCharge, UsageDay, UsageEvent


def books_violations() -> list[str]:
    """The ledger and the buckets agree, and every unit's entries sum to zero. The card
    owns the bytes of every bucket not ended: live, queued, or waiting for first use."""
    problems = []
    now = timezone.now()
    for card in Card.objects.all():
        live = Bucket.objects.filter(
            Q(valid_until__gt=now) | Q(valid_until__isnull=True),
            card=card,
            bytes_granted__isnull=False,
        )
        buckets = live.aggregate(total=Sum("bytes_remaining"))["total"] or 0
        ledger = card_data_balance(card_id=card.pk)
        if buckets != ledger:
            problems.append(
                f"card {card.pk}: live buckets hold {buckets} B, ledger says {ledger} B"
            )
    for unit, total in unit_totals().items():
        if total != 0:
            problems.append(f"ledger unit {unit} sums to {total}, not 0")
    return problems


def fulfilment_violations(*, settled: bool = True) -> list[str]:
    """Nothing is fulfilled twice, and whatever was fulfilled was paid for exactly once."""
    problems = []
    fulfilled_events = Counter(
        OrderEvent.objects.filter(to_state=OrderState.FULFILLED).values_list("order_id", flat=True)
    )
    for order_id, count in fulfilled_events.items():
        if count > 1:
            problems.append(f"order {order_id} moved to fulfilled {count} times")
    orders_with_bucket = Order.objects.filter(bucket__isnull=False).count()
    if Bucket.objects.filter(plan__isnull=False).count() != orders_with_bucket:
        problems.append(
            f"{Bucket.objects.filter(plan__isnull=False).count()} buckets from plans, "
            f"but {orders_with_bucket} orders own one"
        )
    for order in Order.objects.select_related("bucket").prefetch_related("events", "payments"):
        if (order.bucket_id is not None) != (order.id in fulfilled_events):
            problems.append(
                f"order {order.pk} ({order.state}): bucket {order.bucket_id} "
                f"but fulfilled events {fulfilled_events.get(order.id, 0)}"
            )
        payers = [payment for payment in order.payments.all() if payment.paid_order]
        if order.state in (OrderState.PAID, OrderState.FULFILLED) or order.id in fulfilled_events:
            if len(payers) != 1 or payers[0].state != PaymentState.SUCCEEDED:
                problems.append(f"order {order.pk} ({order.state}) has paying payments {payers}")
        elif len(payers) > 1:
            problems.append(f"order {order.pk} has {len(payers)} paying payments")
        if order.state == OrderState.REFUNDED and order.bucket_id:
            bucket = order.bucket
            # A refunded bucket is withdrawn: no bytes; a started one ends now, or one
            # second after it began if that is later (a bucket must end after it starts).
            started = bucket.valid_from is not None and bucket.valid_from <= timezone.now()
            ends_by = (
                max(timezone.now(), bucket.valid_from + timedelta(seconds=1)) if started else None
            )
            if (
                bucket.bytes_remaining
                or bucket.withdrawn_at is None
                or (ends_by is not None and bucket.valid_until > ends_by)
            ):
                problems.append(
                    f"refunded order {order.pk} left usable data: {bucket.bytes_remaining} B "
                    f"until {bucket.valid_until}"
                )
        # Every recorded move follows the state machine, one after the other.
        previous = ""
        for event in order.events.all():
            if event.from_state != previous or (
                previous and event.to_state not in TRANSITIONS[previous]
            ):
                problems.append(f"order {order.pk}: move {event} does not follow {previous or '∅'}")
            previous = event.to_state
        if previous != order.state:
            problems.append(f"order {order.pk} is {order.state} but its history ends at {previous}")
    # One confirmation per fulfilment, per traveller and channel.
    fulfilled_per_user = Counter(
        Order.objects.filter(pk__in=fulfilled_events).values_list("user_id", flat=True)
    )
    for channel in ("sms", "email"):
        sent = Counter(
            Message.objects.filter(kind="renewal_confirmed", channel=channel).values_list(
                "user_id", flat=True
            )
        )
        if sent != fulfilled_per_user:
            problems.append(
                f"renewal_confirmed {channel}: {dict(sent)}, fulfilments {dict(fulfilled_per_user)}"
            )
    # The network agrees: one allowance per request id (a unique key), none for an order
    # that is not fulfilled unless it was taken back. (Only once settled: in between, the
    # network may have applied a job that is still running or that a crash left behind.)
    allowances = (
        SimAllowance.objects.filter(withdrawn=False) if settled else SimAllowance.objects.none()
    )
    for allowance in allowances:
        public_id = allowance.request_id.removeprefix("order-")
        order = Order.objects.filter(public_id=public_id).first()
        if order is None or order.state != OrderState.FULFILLED:
            problems.append(
                f"the network still grants {allowance.request_id} but the order is "
                f"{order.state if order else 'missing'}"
            )
    return problems


def money_violations() -> list[str]:
    """Every succeeded payment either paid its order or is refunded in full; no payment's
    refunds (those not failed) add up to more than it took; the gateway keeps exactly the
    money not given back."""
    problems = []
    refunds: dict[int, list[Refund]] = defaultdict(list)
    for refund in Refund.objects.all():
        refunds[refund.payment_id].append(refund)
    kept: dict[str, int] = defaultdict(int)
    for payment in Payment.objects.filter(state=PaymentState.SUCCEEDED).select_related("order"):
        mine = refunds.get(payment.pk, [])
        asked = sum(r.amount_minor for r in mine if r.state != RefundState.FAILED)
        given_back = sum(r.amount_minor for r in mine if r.state == RefundState.SUCCEEDED)
        if asked > payment.amount_minor:
            problems.append(
                f"payment {payment.pk} took {payment.amount_minor} but refunds ask {asked}"
            )
        if not payment.paid_order and asked != payment.amount_minor:
            problems.append(
                f"payment {payment.pk} succeeded without paying order {payment.order_id} "
                "and was not refunded in full"
            )
        if (
            payment.paid_order
            and payment.order.state == OrderState.REFUNDED
            and asked != payment.amount_minor
        ):
            problems.append(
                f"order {payment.order_id} refunded but payment {payment.pk} is not refunded "
                "in full"
            )
        kept[payment.currency] += payment.amount_minor - given_back
    currencies = set(Entry.objects.exclude(unit=DATA_UNIT).values_list("unit", flat=True)) | set(
        kept
    )
    for currency in currencies:
        held = account_balance(code=f"gateway:sandbox:{currency}")
        if held != kept[currency]:
            problems.append(
                f"{currency}: gateway account holds {held}, payments less refunds {kept[currency]}"
            )
    return problems


def vendor_violations(*, settled: bool = True) -> list[str]:
    """The gateway's side: every charge the sandbox took is known to us as a succeeded
    payment, and either paid an order we renewed (or refunded) or is refunded; once settled,
    the sandbox has given back every refunded charge (our tables alone cannot show money a
    vendor kept)."""
    problems = []
    payments = {str(p.public_id): p for p in Payment.objects.select_related("order")}
    refunds: dict[int, int] = defaultdict(int)
    for refund in Refund.objects.filter(state=RefundState.SUCCEEDED):
        refunds[refund.payment_id] += refund.amount_minor
    for charge in SandboxCharge.objects.filter(status=SandboxCharge.Status.SUCCEEDED):
        payment = payments.get(charge.merchant_payment_id)
        if payment is None:
            problems.append(f"the sandbox took charge {charge.pk} for a payment we do not know")
            continue
        if not settled:
            continue
        refunded = refunds.get(payment.pk, 0)
        at_vendor = sum(charge.refunds.values_list("amount_minor", flat=True))
        if payment.state != PaymentState.SUCCEEDED:
            problems.append(
                f"the sandbox took charge {charge.pk} but payment {payment.pk} is {payment.state}"
            )
        elif refunded < payment.amount_minor and not (
            payment.paid_order and payment.order.state == OrderState.FULFILLED
        ):
            problems.append(
                f"the sandbox kept charge {charge.pk}: payment {payment.pk} did not renew "
                f"order {payment.order_id} ({payment.order.state}) and is not refunded"
            )
        elif refunded != at_vendor:
            problems.append(
                f"we refunded {refunded} of payment {payment.pk}, the sandbox {at_vendor} "
                f"(charge {charge.pk})"
            )
    return problems


def settled_violations() -> list[str]:
    """After the janitor has run until nothing is left to do, nothing is half-way."""
    problems = []
    for state in (OrderState.PAID,):
        ids = list(Order.objects.filter(state=state).values_list("pk", flat=True))
        if ids:
            problems.append(f"orders still {state}: {ids}")
    open_jobs = ProvisioningJob.objects.filter(
        state__in=[ProvisioningJob.State.PENDING, ProvisioningJob.State.RUNNING]
    )
    if open_jobs.exists():
        problems.append(
            f"provisioning jobs still open: {list(open_jobs.values_list('pk', 'state'))}"
        )
    open_refunds = Refund.objects.exclude(state=RefundState.SUCCEEDED)
    if open_refunds.exists():
        problems.append(f"refunds not done: {list(open_refunds.values_list('pk', 'state'))}")
    for payment in Payment.objects.filter(
        state=PaymentState.SUCCEEDED, paid_order=True
    ).select_related("order"):
        if payment.order.state not in (OrderState.FULFILLED, OrderState.REFUNDED):
            problems.append(f"order {payment.order_id} paid but {payment.order.state}")
    accepted = Counter(
        WebhookDelivery.objects.exclude(
            outcome__in=[WebhookDelivery.Outcome.DUPLICATE, WebhookDelivery.Outcome.REJECTED]
        ).values_list("event_id", flat=True)
    )
    twice = {event: n for event, n in accepted.items() if n > 1}
    if twice:
        problems.append(f"events accepted more than once: {twice}")
    return problems


def _adjusted_by_staff(figure: str) -> set[int]:
    """The buckets whose `figure` staff changed (bucket_adjust's audit entries)."""
    return {
        int(event.object_id)
        for event in AuditEvent.objects.filter(action="bucket.adjust")
        if event.details.get("old", {}).get(figure) != event.details.get("new", {}).get(figure)
    }


def window_violations() -> list[str]:
    """Every bucket's window is exactly its plan's validity (none yet for a first-use
    bucket); the network was asked for the same window; queued buckets of one coverage
    never overlap (docs/decisions/0003), unless one of the two ran out of data (the next
    moves up to that moment) or had its data changed by staff."""
    problems = []
    queues = defaultdict(list)
    # Staff may move a started bucket's end (decision 0003, "the one exception"), audited.
    moved_by_staff = _adjusted_by_staff("valid_until")
    for bucket in Bucket.objects.filter(validity_days__isnull=False, withdrawn_at__isnull=True):
        if bucket.pk in moved_by_staff:
            continue
        if bucket.valid_from is None:
            if bucket.starts != "first_use" or bucket.activate_by is None:
                problems.append(f"bucket {bucket.pk} ({bucket.starts}) has no window")
            continue
        if bucket.valid_until - bucket.valid_from != timedelta(days=bucket.validity_days):
            problems.append(
                f"bucket {bucket.pk}: {bucket.valid_from} – {bucket.valid_until} is not "
                f"{bucket.validity_days} days"
            )
        if bucket.starts == "queued":
            queues[(bucket.card_id, bucket.region_id)].append(bucket)
    data_changed_by_staff = _adjusted_by_staff("bytes_remaining")
    for queue in queues.values():
        queue.sort(key=lambda b: b.valid_from)
        for before, after in zip(queue, queue[1:], strict=False):
            empty = [b for b in (before, after) if b.is_used_up or b.pk in data_changed_by_staff]
            if after.valid_from < before.valid_until and not empty:
                problems.append(f"queued buckets {before.pk} and {after.pk} overlap")
    for order in Order.objects.filter(bucket__isnull=False).select_related("bucket"):
        allowance = SimAllowance.objects.filter(request_id=f"order-{order.public_id}").first()
        if allowance is not None and allowance.starts != order.starts:
            problems.append(
                f"order {order.pk} is {order.starts}, the network has it {allowance.starts}"
            )
    return problems


def staff_data_adjustments() -> dict[int, int]:
    """Per bucket, the bytes staff added (or took) beyond what it granted: each adjustment's
    change in remaining less its change in grant (a top-up grows both), from the audit log
    that bucket_adjust writes with its ledger adjustment."""
    added: dict[int, int] = defaultdict(int)
    for event in AuditEvent.objects.filter(action="bucket.adjust"):
        old, new = event.details["old"], event.details["new"]
        added[int(event.object_id)] += (
            (new["bytes_remaining"] or 0) - (old["bytes_remaining"] or 0)
        ) - ((new["bytes_granted"] or 0) - (old["bytes_granted"] or 0))
    return added


def usage_violations() -> list[str]:
    """Usage is charged once and adds up (issue 8), whatever was sent, re-sent, reordered,
    renewed, refunded or adjusted:

    - every limited bucket: charged + remaining == granted + staff adjustments − what
      partial refunds took back, remaining
      within 0..granted (a withdrawn bucket keeps nothing: there charged <= that, the rest
      went back with the refund); an unlimited bucket has no remaining;
    - the card's data account == the remaining bytes of all its limited buckets, ended ones
      included: the ledger books grants, usage (per batch and bucket), refunds' reversals and
      staff adjustments, and nothing when a bucket ends with bytes left, so those stay on the
      card's account;
    - each charge to a limited bucket is one data transaction keyed usage:<batch>:<bucket>,
      from the card's account to network:data_used; none for an unlimited bucket;
    - every stored event: charged + overage == its bytes (0 and 0 outside coverage); a
      batch's charges to a card's buckets == its events' charged bytes for that card; a
      bucket is charged no more in a batch than that batch's events of its card which
      started inside its window in a country it covers;
    - daily usage == the sum of the stored events per card, UTC day and country, and each
      batch counts the events it stored."""
    problems = []
    charged: dict[int, int] = defaultdict(int)
    charged_in_batch: dict[tuple[int, int], int] = defaultdict(int)
    charges = list(
        UsageCharge.objects.values_list("batch_id", "bucket_id", "bucket__card_id", "bytes")
    )
    for batch_id, bucket_id, card_id, amount in charges:
        charged[bucket_id] += amount
        charged_in_batch[(batch_id, card_id)] += amount
        if amount < 0:
            problems.append(f"batch {batch_id} charged bucket {bucket_id} {amount} B")

    buckets = {b.pk: b for b in Bucket.objects.select_related("region")}
    staff = staff_data_adjustments()
    # What partial refunds took back (a bucket still there was refunded only in part).
    for bucket_id, taken in Refund.objects.filter(
        state=RefundState.SUCCEEDED, payment__paid_order=True, bytes_withdrawn__gt=0
    ).values_list("payment__order__bucket_id", "bytes_withdrawn"):
        if bucket_id is not None:
            staff[bucket_id] = staff.get(bucket_id, 0) - taken
    held: dict[int, int] = defaultdict(int)
    for bucket in buckets.values():
        if bucket.bytes_granted is None:
            if bucket.bytes_remaining is not None:
                problems.append(f"unlimited bucket {bucket.pk} has {bucket.bytes_remaining} B left")
            continue
        held[bucket.card_id] += bucket.bytes_remaining
        owed = bucket.bytes_granted + staff.get(bucket.pk, 0)
        used = charged.get(bucket.pk, 0)
        if not 0 <= bucket.bytes_remaining <= bucket.bytes_granted:
            problems.append(
                f"bucket {bucket.pk}: {bucket.bytes_remaining} B left of {bucket.bytes_granted}"
            )
        if bucket.withdrawn_at is None and used + bucket.bytes_remaining != owed:
            problems.append(
                f"bucket {bucket.pk}: charged {used} + remaining {bucket.bytes_remaining} "
                f"!= granted {bucket.bytes_granted} + staff {staff.get(bucket.pk, 0)}"
            )
        if bucket.withdrawn_at is not None and (bucket.bytes_remaining or used > owed):
            problems.append(
                f"withdrawn bucket {bucket.pk}: {bucket.bytes_remaining} B left, charged "
                f"{used} of {owed}"
            )
    for card_id in Card.objects.values_list("pk", flat=True):
        ledger = card_data_balance(card_id=card_id)
        if ledger != held.get(card_id, 0):
            problems.append(
                f"card {card_id}: its buckets hold {held.get(card_id, 0)} B, its data "
                f"account {ledger} B"
            )

    booked: dict[str, int] = {
        key: amount
        for key, amount in Entry.objects.filter(
            transaction__kind="data_usage", account__code=DATA_USED_ACCOUNT
        ).values_list("transaction__key", "amount")
    }
    for batch_id, bucket_id, _card_id, amount in charges:
        key = f"usage:{batch_id}:{bucket_id}"
        expected = amount if amount and buckets[bucket_id].bytes_granted is not None else None
        if booked.pop(key, None) != expected:
            problems.append(f"{key}: charged {amount} B, the ledger has another figure")
    for key in booked:
        if key.startswith("usage:"):
            problems.append(f"{key}: booked in the ledger without a charge")

    events_in_batch: dict[tuple[int, int], list] = defaultdict(list)
    stored_per_batch: dict[int, int] = defaultdict(int)
    days: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for event in UsageEvent.objects.all():
        total = event.total_bytes
        pair = (event.charged_bytes, event.overage_bytes)
        if event.out_of_coverage and pair != (0, 0):
            problems.append(f"event {event.event_id}: outside coverage yet charged {pair}")
        if not event.out_of_coverage and (min(pair) < 0 or sum(pair) != total):
            problems.append(f"event {event.event_id}: {total} B but charged + overage {pair}")
        events_in_batch[(event.batch_id, event.card_id)].append(event)
        stored_per_batch[event.batch_id] += 1
        figures = days[(event.card_id, event.started_at.date(), event.country)]
        for i, value in enumerate(
            (
                total,
                event.charged_bytes,
                event.overage_bytes,
                total if event.out_of_coverage else 0,
                1,
            )
        ):
            figures[i] += value
    for pair, events in events_in_batch.items():
        on_events = sum(e.charged_bytes for e in events)
        if on_events != charged_in_batch.get(pair, 0):
            problems.append(
                f"batch {pair[0]}, card {pair[1]}: events charged {on_events} B, buckets "
                f"{charged_in_batch.get(pair, 0)} B"
            )
    for pair, amount in charged_in_batch.items():
        if amount and pair not in events_in_batch:
            problems.append(f"batch {pair[0]} charged card {pair[1]} without an event of it")
    for batch_id, bucket_id, card_id, amount in charges:
        bucket = buckets[bucket_id]
        if not amount:
            continue
        if bucket.valid_from is None:
            problems.append(f"bucket {bucket_id} has no window but batch {batch_id} charged it")
            continue
        # A refund ends a window early, and staff may move its end: charges made before
        # count against the window as it was given.
        given_until = bucket.valid_from + timedelta(days=bucket.validity_days or 0)
        until = max(bucket.valid_until, given_until)
        payable = sum(
            e.charged_bytes
            for e in events_in_batch.get((batch_id, card_id), [])
            if e.country in bucket.region.countries and bucket.valid_from <= e.started_at < until
        )
        if amount > payable:
            problems.append(
                f"batch {batch_id} charged bucket {bucket_id} {amount} B, but its events in "
                f"the bucket's window and coverage were charged {payable} B"
            )

    recorded = {
        (d.card_id, d.day, d.country): [
            d.bytes,
            d.charged_bytes,
            d.overage_bytes,
            d.uncovered_bytes,
            d.events,
        ]
        for d in UsageDay.objects.all()
    }
    if recorded != dict(days):
        for key in sorted(set(recorded) | set(days), key=str):
            if recorded.get(key) != days.get(key):
                problems.append(
                    f"daily usage {key}: recorded {recorded.get(key)}, "
                    f"the events sum to {days.get(key)}"
                )
    for batch in UsageBatch.objects.all():
        if batch.accepted != stored_per_batch.get(batch.pk, 0):
            problems.append(
                f"batch {batch.pk} says {batch.accepted} accepted, "
                f"{stored_per_batch.get(batch.pk, 0)} stored"
            )
    return problems


def all_violations(*, settled: bool = True) -> list[str]:
    problems = (
        window_violations()
        + books_violations()
        + usage_violations()
        + fulfilment_violations(settled=settled)
        + money_violations()
        + vendor_violations(settled=settled)
    )
    if settled:
        problems += settled_violations()
    return problems


def assert_exactly_once(*, settled: bool = True) -> None:
    problems = all_violations(settled=settled)
    assert not problems, "exactly-once violated:\n  " + "\n  ".join(problems)
