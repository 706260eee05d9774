"""Builders for the alert tests: a traveller with a bound card in a named coverage, and
usage applied the way the charging path leaves it (a bucket's remaining bytes), then the
alert check the `usage.charged` job runs."""

import itertools

from django.utils import timezone

from roamcard.cards.models import Bucket
from roamcard.notifications.models import Message, Notice
from roamcard.testing import make_card, make_region, make_user
from roamcard.usage.alerts import usage_alerts_check
from roamcard.usage.models import UsageAlert

_numbers = itertools.count(1)
GIB = 1024**3
MIB = 1024**2

REGION_NAMES = {
    "japan": {"en": "Japan", "ja": "日本", "ko": "일본", "zh_hans": "日本", "zh_hant": "日本"},
    "global": {
        "en": "Global",
        "ja": "グローバル",
        "ko": "글로벌",
        "zh_hans": "全球",
        "zh_hant": "全球",
    },
}


def make_coverage(code: str = "japan", countries=("JP",)):
    names = REGION_NAMES[code]
    region = make_region(code=code, name=names["en"], countries=countries)
    for language, name in names.items():
        setattr(region, f"name_{language}", name)
    region.save()
    return region


def make_traveller(*, language: str = "en", time_zone: str = "Asia/Tokyo", **extra):
    """With an e-mail address and a verified mobile number unless told otherwise."""
    n = next(_numbers)
    extra.setdefault("email", f"roamer{n}@example.com")
    extra.setdefault("phone", f"+8190{n:08d}")
    extra.setdefault("phone_verified", True)
    return make_user(preferred_language=language, time_zone=time_zone, **extra)


def make_traveller_card(*, region=None, language: str = "en", **user_fields):
    """A bound card whose ICCID ends in 1234 (shown as "8985 •••• 1234")."""
    owner = make_traveller(language=language, **user_fields)
    card = make_card(region=region or make_coverage(), owner=owner, iccid="89852000000000201234")
    return owner, card


def charge(bucket: Bucket, *, remaining: int, now=None) -> int:
    """Leave `remaining` bytes on the bucket and run the alert check for it."""
    Bucket.objects.filter(pk=bucket.pk).update(bytes_remaining=remaining)
    return usage_alerts_check(bucket_ids=[bucket.pk], now=now or timezone.now())


def alerts_of(bucket: Bucket, kind: str = UsageAlert.Kind.DATA) -> dict[int, bool]:
    """threshold -> whether it was sent."""
    return dict(
        UsageAlert.objects.filter(bucket=bucket, kind=kind).values_list("threshold", "notified")
    )


def notices_of(user) -> list[Notice]:
    return list(Notice.objects.filter(user=user).order_by("id"))


def messages_of(user, channel: str | None = None) -> list[Message]:
    messages = Message.objects.filter(user=user).order_by("id")
    if channel:
        messages = messages.filter(channel=channel)
    return list(messages)
