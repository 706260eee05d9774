"""The contact block's hours: open or closed now, in the provider's and the reader's clock."""

from datetime import UTC, datetime, time

import pytest

from roamcard.help.contact import contact_card, days_label, is_open

from .factories import make_contact

pytestmark = pytest.mark.django_db

# A Wednesday: 10:00 in Hong Kong is 02:00 UTC and 11:00 in Seoul.
WEDNESDAY_10_HK = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_open_during_the_hours_of_an_open_day_on_the_providers_clock():
    contact = make_contact()  # Monday to Friday, 09:00–18:00 Hong Kong time

    assert is_open(contact, now=WEDNESDAY_10_HK)
    assert not is_open(contact, now=datetime(2026, 12, 2, 10, 0, tzinfo=UTC))  # 18:00 HK
    assert not is_open(contact, now=datetime(2026, 12, 5, 2, 0, tzinfo=UTC))  # Saturday


def test_hours_past_midnight_belong_to_the_day_they_start():
    contact = make_contact(days=[4], opens_at=time(20, 0), closes_at=time(2, 0))  # Friday night

    assert is_open(contact, now=datetime(2026, 12, 4, 17, 0, tzinfo=UTC))  # Sat 01:00 HK
    assert not is_open(contact, now=datetime(2026, 12, 5, 17, 0, tzinfo=UTC))  # Sun 01:00 HK


def test_a_reader_in_seoul_sees_the_hours_on_both_clocks_and_when_it_closes():
    card = contact_card(make_contact(), now=WEDNESDAY_10_HK, zone="Asia/Seoul", language="en")

    assert card.open_now
    assert card.days_label == "Monday–Friday"
    # CLDR puts a narrow no-break space before AM/PM.
    assert card.hours_label == "9:00\u202fAM–6:00\u202fPM"
    assert card.local_hours_label == "10:00\u202fAM–7:00\u202fPM"
    assert card.next_change_label == "7:00\u202fPM"  # closes, on the reader's clock


def test_a_reader_on_the_providers_clock_is_not_told_twice():
    card = contact_card(make_contact(), now=WEDNESDAY_10_HK, zone="Asia/Hong_Kong", language="en")
    assert card.local_hours_label == ""


def test_closed_on_friday_evening_says_when_it_opens_next_on_the_readers_clock():
    friday_evening = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # 20:00 HK

    card = contact_card(make_contact(), now=friday_evening, zone="Asia/Seoul", language="ko")

    assert not card.open_now
    assert card.next_change == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 09:00 HK
    assert card.next_change_label == "월 오전 10:00"


def test_days_are_named_in_the_readers_language():
    assert days_label([0, 1, 2, 3, 4], language="ja") == "月曜日–金曜日"
    assert days_label([0, 2, 4], language="en") == "Mon, Wed, Fri"
    assert days_label([5, 6], language="zh-hans") == "星期六、星期日"
    assert days_label(list(range(7)), language="ko") == "매일"


def test_languages_served_are_named_in_the_readers_language():
    card = contact_card(make_contact(languages=["ko", "ja", "zh-hant"]), language="ko")

    assert card.languages_label == "한국어, 일본어, 중국어 (번체)"
