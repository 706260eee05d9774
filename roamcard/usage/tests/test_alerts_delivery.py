"""How an alert reaches the traveller: on the channels their preferences choose, SMS held
during their quiet hours (in their own time zone), in their language and its formats."""

from datetime import UTC, datetime, timedelta

import pytest

from roamcard.notifications.models import Message
from roamcard.notifications.services import notification_preferences_update
from roamcard.notifications.tests.language import english_words
from roamcard.testing import make_bucket
from roamcard.usage.alerts import usage_validity_alerts_check

from .alerting import GIB, charge, make_traveller_card, messages_of, notices_of

pytestmark = pytest.mark.django_db

# 14:30 UTC: 23:30 in Tokyo (quiet by default), 15:30 in Paris (not).
LATE_IN_TOKYO = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
NOON_IN_TOKYO = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def channels(user) -> list[str]:
    return [m.channel for m in messages_of(user)]


def test_by_default_sms_carry_only_urgent_alerts():
    owner, card = make_traveller_card()
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=5 * GIB, now=NOON_IN_TOKYO)
    assert channels(owner) == ["email"] and len(notices_of(owner)) == 1

    charge(bucket, remaining=0, now=NOON_IN_TOKYO)
    assert channels(owner) == ["email", "email", "sms"] and len(notices_of(owner)) == 2
    sms = messages_of(owner, "sms")[0]
    assert sms.body == (
        "roamcard: Japan: no data left on your card 8985 •••• 1234 — "
        f"renew: http://127.0.0.1:9/cards/{card.pk}/plans/"
    )
    assert sms.not_before is None


def test_a_channel_turned_off_carries_nothing():
    owner, card = make_traveller_card()
    notification_preferences_update(
        user=owner, usage_in_app="off", usage_email="off", usage_sms="all"
    )
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=5 * GIB, now=NOON_IN_TOKYO)

    assert channels(owner) == ["sms"]
    assert notices_of(owner) == []


def test_a_channel_set_to_urgent_carries_only_running_out():
    owner, card = make_traveller_card()
    notification_preferences_update(user=owner, usage_in_app="urgent", usage_email="urgent")
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=GIB, now=NOON_IN_TOKYO)
    assert channels(owner) == [] and notices_of(owner) == []

    charge(bucket, remaining=0, now=NOON_IN_TOKYO)
    assert channels(owner) == ["email", "sms"] and len(notices_of(owner)) == 1


def test_every_channel_off_records_the_alert_and_sends_nothing():
    owner, card = make_traveller_card()
    notification_preferences_update(
        user=owner, usage_in_app="off", usage_email="off", usage_sms="off"
    )
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    assert charge(bucket, remaining=0, now=NOON_IN_TOKYO) == 1

    assert channels(owner) == [] and notices_of(owner) == []


def test_sms_go_only_to_a_verified_mobile_number():
    owner, card = make_traveller_card(phone_verified=False)
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=0, now=NOON_IN_TOKYO)

    assert channels(owner) == ["email"]


def test_a_phone_only_traveller_gets_the_sms_and_the_notice():
    owner, card = make_traveller_card(email=None)
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=0, now=NOON_IN_TOKYO)

    assert channels(owner) == ["sms"] and len(notices_of(owner)) == 1


def test_quiet_hours_hold_the_sms_until_they_end(time_machine):
    time_machine.move_to(LATE_IN_TOKYO, tick=False)
    owner, card = make_traveller_card(time_zone="Asia/Tokyo")
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=0, now=LATE_IN_TOKYO)

    sms = messages_of(owner, "sms")[0]
    # 08:00 the next morning in Tokyo.
    assert sms.not_before == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert sms.state == Message.State.QUEUED
    # The notice and the e-mail do not wait.
    assert messages_of(owner, "email")[0].not_before is None
    assert len(notices_of(owner)) == 1


def test_quiet_hours_are_the_travellers_own(time_machine):
    time_machine.move_to(LATE_IN_TOKYO, tick=False)
    owner, card = make_traveller_card(time_zone="Europe/Paris")
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=0, now=LATE_IN_TOKYO)

    assert messages_of(owner, "sms")[0].not_before is None


def test_without_quiet_hours_the_sms_goes_at_once(time_machine):
    time_machine.move_to(LATE_IN_TOKYO, tick=False)
    owner, card = make_traveller_card(time_zone="Asia/Tokyo")
    notification_preferences_update(user=owner, quiet_hours=False)
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=0, now=LATE_IN_TOKYO)

    assert messages_of(owner, "sms")[0].not_before is None


def test_the_korean_texts():
    owner, card = make_traveller_card(language="ko")
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)
    link = f"http://127.0.0.1:9/cards/{card.pk}/plans/"
    notification_preferences_update(user=owner, usage_sms="all")

    charge(bucket, remaining=GIB, now=NOON_IN_TOKYO)
    charge(bucket, remaining=0, now=NOON_IN_TOKYO)

    low, out = messages_of(owner, "sms")
    assert low.body == (
        f"roamcard: 일본: 카드 8985 •••• 1234의 데이터가 1GB(10%) 남았어요. 충전하기: {link}"
    )
    assert out.body == f"roamcard: 일본: 카드 8985 •••• 1234의 데이터를 다 썼어요. 충전하기: {link}"
    assert [n.title for n in notices_of(owner)] == [
        "일본: 카드 8985 •••• 1234의 데이터가 1GB 남았어요",
        "일본: 카드 8985 •••• 1234의 데이터를 다 썼어요",
    ]
    assert (
        messages_of(owner, "email")[0].subject
        == "일본: 카드 8985 •••• 1234의 데이터가 1GB 남았어요"
    )


def test_the_japanese_texts():
    owner, card = make_traveller_card(language="ja")
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=GIB, now=NOON_IN_TOKYO)
    usage_validity_alerts_check(now=bucket.valid_until - timedelta(hours=20))

    low, ending = notices_of(owner)
    low_text = (
        "日本：カード 8985 •••• 1234 のデータ残量は 1 GB（10%）です。なくなる前に更新してください。"
    )
    assert low.body == low_text
    assert ending.title == "日本：カード 8985 •••• 1234 のデータの有効期限が近づいています"
    assert ending.body.startswith("日本：カード 8985 •••• 1234 のデータの有効期限は 20")
    assert "年" in ending.body and "月" in ending.body
    email = messages_of(owner, "email")[0]
    assert email.body == (
        f"こんにちは。\n\n{low_text}\n\n"
        f"更新はこちら：http://127.0.0.1:9/cards/{card.pk}/plans/\n\n"
        # What to do without Wi-Fi: the help page (its article once the defaults are loaded).
        "海外で Wi-Fi がない場合の対処法：http://127.0.0.1:9/help/\n\n"
        "受け取るお知らせとタイミングの設定：http://127.0.0.1:9/accounts/notifications/\n\n"
        "roamcard"
    )


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "ja", "ko"])
def test_every_alert_is_written_in_the_travellers_language(language):
    owner, card = make_traveller_card(language=language)
    notification_preferences_update(user=owner, usage_sms="all")
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=GIB, now=NOON_IN_TOKYO)
    charge(bucket, remaining=0, now=NOON_IN_TOKYO)
    other = make_bucket(card=card, bytes_granted=10 * GIB, days=7)
    usage_validity_alerts_check(now=other.valid_until - timedelta(hours=20))

    texts = [t for m in messages_of(owner) for t in (m.subject, m.body)]
    texts += [t for n in notices_of(owner) for t in (n.title, n.body)]
    assert len(notices_of(owner)) == 3
    assert all(m.language == language for m in messages_of(owner))
    for text in texts:
        assert english_words(text) == [], text
