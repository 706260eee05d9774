"""What automatic renewal tells the traveller reaches them on the channels they chose, in
their language and on their clock; an SMS waits for the end of their quiet hours, unless
it would then announce what has already happened."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from roamcard.autorenewal.models import AutoRenewal
from roamcard.autorenewal.sweep import autorenewal_sweep
from roamcard.notifications.models import Message, Notice
from roamcard.notifications.services import notification_preferences_update

from .helpers import GIB, grant, saved_method, switch_on

pytestmark = pytest.mark.django_db(transaction=True)

# 15:00 UTC is 23:00 in Hong Kong: the traveller's quiet hours (22:00 to 08:00).
QUIET = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
AWAKE = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)  # 12:00 in Hong Kong


def test_the_notice_goes_to_the_app_and_by_e_mail_an_sms_only_when_asked(traveller, card, plan):
    with time_machine.travel(AWAKE, tick=False):
        grant(card, plan, remaining=GIB // 4)
        switch_on(traveller, card, plan, saved_method(traveller))

    notice = Notice.objects.get(kind="autorenewal_coming")
    assert notice.title == "Your card Europe trip renews automatically at Dec 3, 2026, 1:00 PM"
    assert notice.link == f"/cards/{card.pk}/auto-renewal/"
    assert Message.objects.filter(kind="autorenewal_coming", channel="email").count() == 1
    assert not Message.objects.filter(kind="autorenewal_coming", channel="sms").exists()


def test_a_notice_sms_quiet_hours_would_hold_past_the_charge_is_not_sent(traveller, card, plan):
    notification_preferences_update(user=traveller, usage_sms="all")
    with time_machine.travel(AWAKE, tick=False):
        grant(card, plan, remaining=GIB // 4)
        switch_on(traveller, card, plan, saved_method(traveller))
    [sms] = Message.objects.filter(kind="autorenewal_coming", channel="sms")
    assert sms.not_before is None and "Skip: http" in sms.body

    AutoRenewal.objects.all().delete()
    Message.objects.all().delete()
    with time_machine.travel(QUIET, tick=False):
        switch_on(traveller, card, plan, saved_method(traveller), trigger_percent=11)
    assert AutoRenewal.objects.count() == 1
    assert not Message.objects.filter(kind="autorenewal_coming", channel="sms").exists()
    assert Message.objects.filter(kind="autorenewal_coming", channel="email").count() == 1


def test_a_failed_charge_is_urgent_its_sms_waits_for_the_end_of_quiet_hours(traveller, card, plan):
    with time_machine.travel(QUIET - timedelta(hours=1), tick=False):
        grant(card, plan, remaining=GIB // 4)
        switch_on(traveller, card, plan, saved_method(traveller, behaviour="decline"))
    renewal = AutoRenewal.objects.get()
    with time_machine.travel(renewal.charge_at + timedelta(seconds=1), tick=False):
        autorenewal_sweep()

    [sms] = Message.objects.filter(kind="autorenewal_failed", channel="sms")
    assert sms.not_before == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)  # 08:00 in Hong Kong
    assert Notice.objects.filter(kind="autorenewal_failed").count() == 1


def test_messages_are_in_the_travellers_language_and_time_zone(traveller, card, plan):
    traveller.preferred_language = "ja"
    traveller.time_zone = "Asia/Tokyo"
    traveller.save()
    with time_machine.travel(AWAKE, tick=False):
        grant(card, plan, remaining=GIB // 4)
        switch_on(traveller, card, plan, saved_method(traveller))

    email = Message.objects.get(kind="autorenewal_coming", channel="email")
    assert email.language == "ja"
    assert "2026年12月3日 14:00" in email.body  # 05:00 UTC in Tokyo
    assert "自動" in email.subject
    assert "CN¥68.00" in email.body or "元68.00" in email.body


def test_the_renewal_confirmation_says_it_was_automatic_and_its_sms_keeps_quiet_hours(
    traveller, card, plan
):
    with time_machine.travel(QUIET, tick=False):
        grant(card, plan, remaining=GIB // 4)
        switch_on(traveller, card, plan, saved_method(traveller), notice_minutes=0)

    assert AutoRenewal.objects.get().state == "succeeded"
    email = Message.objects.get(kind="renewal_confirmed", channel="email")
    assert email.subject == "Your card Europe trip is renewed automatically"
    assert "paid with your saved payment method" in email.body
    [sms] = Message.objects.filter(kind="renewal_confirmed", channel="sms")
    assert "renewed automatically with Europe 5 GB (CN¥68.00)" in sms.body
    assert sms.not_before == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)  # 08:00 in Hong Kong
