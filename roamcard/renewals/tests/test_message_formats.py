"""A renewal's SMS and e-mail print the new validity in the traveller's language and time
zone, although a worker renders them with UTC active."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation

from roamcard.cards.models import Bucket
from roamcard.notifications.models import Message
from roamcard.orders.services import order_create
from roamcard.renewals.notifications import notify_renewal_confirmed

pytestmark = pytest.mark.django_db

ENDS = datetime(2026, 12, 13, 13, 24, tzinfo=UTC)  # 22:24 in Seoul


@pytest.mark.parametrize(
    ("language", "zone", "valid_until", "data_left"),
    [
        ("ko", "Asia/Seoul", "2026년 12월 13일 오후 10:24", "5GB"),
        ("ja", "Asia/Tokyo", "2026年12月13日 22:24", "5 GB"),
        ("zh-hans", "Asia/Shanghai", "2026年12月13日 21:24", "5 GB"),
    ],
)
def test_the_confirmation_reads_in_the_travellers_language_and_zone(
    traveller, card, plan, language, zone, valid_until, data_left
):
    traveller.preferred_language, traveller.time_zone, traveller.phone = (
        language,
        zone,
        "+85261234567",
    )
    traveller.save()
    Bucket.objects.create(
        card=card,
        plan=plan,
        region=card.region,
        bytes_granted=5 * 1024**3,
        bytes_remaining=5 * 1024**3,
        valid_from=ENDS - timedelta(days=30),
        valid_until=ENDS,
    )
    # Started at once, so the confirmation gives the data left (a queued one says when
    # it starts instead).
    order = order_create(
        user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY", starts="now"
    )

    with translation.override("en"), timezone.override("UTC"):
        notify_renewal_confirmed(order=order, card=card)

    for message in Message.objects.filter(kind="renewal_confirmed"):
        assert valid_until in message.body and data_left in message.body
        assert "PM" not in message.body and "UTC" not in message.body
