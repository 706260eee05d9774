"""Staff change a bucket only through “Adjust”: one ledger transaction, one audit entry."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from roamcard.cards.models import Bucket
from roamcard.cards.services import bucket_adjust
from roamcard.core.errors import InvalidInput
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import make_staff
from roamcard.ledger.models import Transaction
from roamcard.ledger.selectors import card_data_balance, unit_totals
from roamcard.ledger.services import ledger_post_data_grant
from roamcard.testing import make_bucket, make_card

MIB = 1024**2
GIB = 1024**3


@pytest.fixture
def bucket(db):
    """A 2 GB bucket with 1.5 GB left, its grant and usage booked in the ledger."""
    card = make_card()
    bucket = make_bucket(card=card, bytes_granted=2 * GIB, bytes_remaining=GIB + GIB // 2)
    ledger_post_data_grant(key="test:grant", card_id=card.pk, bytes_granted=GIB + GIB // 2)
    return bucket


def ledger_matches_buckets(card_id):
    limited = Bucket.objects.filter(card_id=card_id, bytes_granted__isnull=False)
    return card_data_balance(card_id=card_id) == sum(b.bytes_remaining for b in limited)


def adjust_url(bucket):
    return reverse("admin:cards_bucket_adjust", args=[bucket.pk])


# --- the service ------------------------------------------------------------------------


def test_taking_data_off_books_the_difference_and_audits_old_and_new(bucket, staff):
    outcome = bucket_adjust(
        bucket_id=bucket.pk,
        staff=staff,
        request_id="r1",
        reason="correction",
        note="usage was reported twice",
        bytes_remaining=GIB,
    )

    bucket.refresh_from_db()
    assert outcome.applied
    assert (bucket.bytes_granted, bucket.bytes_remaining) == (2 * GIB, GIB)
    assert ledger_matches_buckets(bucket.card_id)
    assert unit_totals()["BYTE"] == 0
    assert Transaction.objects.filter(kind="data_adjustment").count() == 1
    event = AuditEvent.objects.get(action="bucket.adjust", object_id=str(bucket.pk))
    assert event.actor == staff
    assert event.details["old"]["bytes_remaining"] == GIB + GIB // 2
    assert event.details["new"]["bytes_remaining"] == GIB
    assert event.details["reason"] == "correction"
    assert event.details["note"] == "usage was reported twice"


def test_a_goodwill_top_up_above_the_grant_grows_the_grant(bucket, staff):
    bucket_adjust(
        bucket_id=bucket.pk,
        staff=staff,
        request_id="r1",
        reason="goodwill",
        bytes_remaining=3 * GIB,
    )

    bucket.refresh_from_db()
    # 1.5 GB more on the card: the grant grows by the same, what was used stays used.
    assert (bucket.bytes_granted, bucket.bytes_remaining) == (3 * GIB + GIB // 2, 3 * GIB)
    assert ledger_matches_buckets(bucket.card_id)


def test_above_the_grant_is_refused_for_a_correction(bucket, staff):
    with pytest.raises(InvalidInput) as exc:
        bucket_adjust(
            bucket_id=bucket.pk,
            staff=staff,
            request_id="r1",
            reason="correction",
            bytes_remaining=3 * GIB,
        )

    assert "remaining" in exc.value.fields
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == GIB + GIB // 2
    assert not Transaction.objects.filter(kind="data_adjustment").exists()


def test_negative_remaining_data_is_refused_and_nothing_changes(bucket, staff):
    with pytest.raises(InvalidInput, match="cannot be negative"):
        bucket_adjust(
            bucket_id=bucket.pk, staff=staff, request_id="r1", reason="fraud", bytes_remaining=-1
        )

    bucket.refresh_from_db()
    assert bucket.bytes_remaining == GIB + GIB // 2
    assert not AuditEvent.objects.filter(action="bucket.adjust").exists()
    assert ledger_matches_buckets(bucket.card_id)


def test_other_needs_a_note(bucket, staff):
    with pytest.raises(InvalidInput) as exc:
        bucket_adjust(
            bucket_id=bucket.pk, staff=staff, request_id="r1", reason="other", bytes_remaining=0
        )

    assert "note" in exc.value.fields


def test_the_same_request_applies_once(bucket, staff):
    for _ in range(2):
        outcome = bucket_adjust(
            bucket_id=bucket.pk,
            staff=staff,
            request_id="same",
            reason="network_fault",
            bytes_remaining=2 * GIB,
        )

    assert not outcome.applied
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 2 * GIB
    assert AuditEvent.objects.filter(action="bucket.adjust").count() == 1
    assert ledger_matches_buckets(bucket.card_id)


def test_an_unlimited_bucket_only_has_its_window_changed(db, staff):
    bucket = make_bucket(card=make_card(), bytes_granted=None)
    later = bucket.valid_until + timedelta(days=2)

    with pytest.raises(InvalidInput, match="unlimited"):
        bucket_adjust(
            bucket_id=bucket.pk,
            staff=staff,
            request_id="r1",
            reason="goodwill",
            bytes_remaining=GIB,
        )
    bucket_adjust(
        bucket_id=bucket.pk, staff=staff, request_id="r2", reason="goodwill", valid_until=later
    )

    bucket.refresh_from_db()
    assert bucket.valid_until == later and bucket.bytes_remaining is None
    assert card_data_balance(card_id=bucket.card_id) == 0


def test_the_validity_cannot_end_before_it_starts(bucket, staff):
    with pytest.raises(InvalidInput) as exc:
        bucket_adjust(
            bucket_id=bucket.pk,
            staff=staff,
            request_id="r1",
            reason="correction",
            valid_until=bucket.valid_from - timedelta(minutes=1),
        )

    assert "valid_until" in exc.value.fields


def test_a_plan_waiting_for_its_first_use_keeps_its_data_only_adjustable(bucket, staff):
    bucket.starts, bucket.valid_from, bucket.valid_until = "first_use", None, None
    bucket.activate_by = timezone.now() + timedelta(days=180)
    bucket.save()

    with pytest.raises(InvalidInput) as exc:
        bucket_adjust(
            bucket_id=bucket.pk,
            staff=staff,
            request_id="r1",
            reason="goodwill",
            valid_until=timezone.now() + timedelta(days=3),
        )
    assert "valid_until" in exc.value.fields

    done = bucket_adjust(
        bucket_id=bucket.pk, staff=staff, request_id="r2", reason="correction", bytes_remaining=GIB
    )
    assert done.applied and done.bucket.valid_until is None
    assert ledger_matches_buckets(bucket.card_id)


def test_an_end_with_a_plan_queued_after_it_cannot_move(bucket, staff):
    queued = make_bucket(card=bucket.card)
    queued.starts, queued.valid_from = "queued", bucket.valid_until
    queued.valid_until = bucket.valid_until + timedelta(days=7)
    queued.save()

    for target in (bucket, queued):
        with pytest.raises(InvalidInput) as exc:
            bucket_adjust(
                bucket_id=target.pk,
                staff=staff,
                request_id=f"r{target.pk}",
                reason="goodwill",
                valid_until=target.valid_until + timedelta(days=2),
            )
        assert "valid_until" in exc.value.fields
    bucket.refresh_from_db()
    queued.refresh_from_db()
    assert queued.valid_from == bucket.valid_until


# --- the back office --------------------------------------------------------------------


def adjust_form(response, **data):
    form = response.context["form"]
    return {"request_id": form.initial["request_id"], "unit": "GB", **data}


def test_the_bucket_page_is_read_only_and_offers_adjust(staff_client, bucket):
    content = staff_client.get(reverse("admin:cards_bucket_change", args=[bucket.pk]))
    content = content.content.decode()

    assert 'name="bytes_remaining"' not in content
    assert 'name="valid_until_0"' not in content
    assert adjust_url(bucket) in content
    assert staff_client.get(reverse("admin:cards_bucket_add")).status_code == 403


def test_staff_adjust_a_bucket_from_its_page(staff_client, bucket):
    page = staff_client.get(adjust_url(bucket))
    assert "1.5 GB" in page.content.decode()

    response = staff_client.post(
        adjust_url(bucket),
        adjust_form(page, remaining="500", unit="MB", reason="fraud", note="shared hotspot"),
    )

    assert response.status_code == 302
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 500 * MIB
    assert ledger_matches_buckets(bucket.card_id)
    event = AuditEvent.objects.get(action="bucket.adjust")
    assert event.details["new"]["bytes_remaining"] == 500 * MIB


def test_a_double_submit_of_the_form_adjusts_once(staff_client, bucket):
    page = staff_client.get(adjust_url(bucket))
    data = adjust_form(page, remaining="0.5", reason="correction")

    first = staff_client.post(adjust_url(bucket), data)
    second = staff_client.post(adjust_url(bucket), data, follow=True)

    assert first.status_code == 302
    assert "already made" in second.content.decode()
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == GIB // 2
    assert Transaction.objects.filter(kind="data_adjustment").count() == 1
    assert ledger_matches_buckets(bucket.card_id)


def test_a_negative_amount_is_refused_on_the_form(staff_client, bucket):
    page = staff_client.get(adjust_url(bucket))

    response = staff_client.post(
        adjust_url(bucket), adjust_form(page, remaining="-1", reason="correction")
    )

    assert response.status_code == 200
    assert "cannot be negative" in response.content.decode()
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == GIB + GIB // 2


def test_a_new_end_of_validity_from_the_form(staff_client, bucket):
    page = staff_client.get(adjust_url(bucket))
    later = timezone.localtime(bucket.valid_until + timedelta(days=3)).replace(
        second=0, microsecond=0
    )

    staff_client.post(
        adjust_url(bucket),
        adjust_form(
            page,
            valid_until_0=later.strftime("%Y-%m-%d"),
            valid_until_1=later.strftime("%H:%M"),
            reason="network_fault",
        ),
    )

    bucket.refresh_from_db()
    assert bucket.valid_until == later


def test_staff_without_the_permission_cannot_adjust(client, bucket):
    clerk = make_staff(superuser=False, email="clerk@example.com")
    clerk.user_permissions.add(Permission.objects.get(codename="view_bucket"))
    client.force_login(clerk)

    page = client.get(reverse("admin:cards_bucket_change", args=[bucket.pk]))
    assert adjust_url(bucket) not in page.content.decode()
    assert client.get(adjust_url(bucket)).status_code == 403

    clerk.user_permissions.add(Permission.objects.get(codename="adjust_bucket"))
    assert client.get(adjust_url(bucket)).status_code == 200
