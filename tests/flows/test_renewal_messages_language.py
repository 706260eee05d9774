"""A renewal's SMS and e-mails reach the traveller in their profile's language and time
zone, whatever language the request or the worker happens to run in."""

import pytest
from django.utils import translation

from roamcard.core.formatting import format_bytes
from roamcard.notifications.models import Message
from roamcard.notifications.tests.language import english_words
from roamcard.orders.choices import TransitionCause
from roamcard.renewals.notifications import notify_late_payment_refunded, notify_renewal_refunded
from roamcard.renewals.services import renewal_payment_sync
from roamcard.testing import make_card, make_plan, make_region, make_user

from .helpers import pay_with, start_card_payment

GIB = 1024**3
PLAN_NAMES = {"ko": "유럽 5GB 7일", "ja": "ヨーロッパ 5GB 7日間"}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_every_renewal_message_reads_in_the_travellers_language(language):
    region = make_region(code="europe-33", name="Europe", countries=("FR", "DE", "IT"))
    traveller = make_user(
        email="traveller@example.com",
        phone="+85261234567",
        preferred_language=language,
        time_zone="Asia/Seoul",
    )
    card = make_card(region=region, owner=traveller)
    plan = make_plan(
        region=region, name=PLAN_NAMES[language], data_bytes=5 * GIB, prices={"CNY": 6800}
    )

    with translation.override("en"):  # the worker's own language does not matter
        order, payment = start_card_payment(traveller, card, plan)
        pay_with(payment)
        renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
        order.refresh_from_db()
        notify_renewal_refunded(order=order)
        notify_late_payment_refunded(order=order, payment=payment)

    messages = list(Message.objects.filter(user=traveller))
    kinds = {(m.kind, m.channel) for m in messages}
    assert kinds == {
        (kind, channel)
        for kind in ("renewal_confirmed", "renewal_refunded", "late_payment_refunded")
        for channel in ("sms", "email")
    }
    for message in messages:
        text = f"{message.subject}\n{message.body}"
        assert message.language == language
        assert english_words(text) == [], text
        # 5 GB left, written as the language writes it (Korean: "5GB").
        assert format_bytes(5 * 1024**3, language=language) in text or (
            message.kind != "renewal_confirmed"
        )
