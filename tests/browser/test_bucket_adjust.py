"""Adjusting a bucket in a real browser, on a phone, under the Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from roamcard.cards.models import Bucket
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import make_staff
from roamcard.testing import GIB, make_bucket, make_card

from .test_card_import import refusals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_adjust_a_bucket_from_its_page_on_a_phone(new_page, log_in):
    bucket = make_bucket(card=make_card(), bytes_granted=2 * GIB)
    page = log_in(new_page(), make_staff())
    refused = refusals(page)

    page.goto(f"/admin/cards/bucket/{bucket.pk}/change/")
    page.get_by_role("link", name="more_horiz").click()  # a phone's menu of the page's actions
    page.get_by_role("link", name="Adjust").click()
    page.get_by_label("New remaining data").fill("1.5")
    page.get_by_label("Reason").select_option(label="Compensation for a network fault")
    page.get_by_label("Note").fill("outage on 28 November")
    page.get_by_role("button", name="Adjust the bucket").click()

    expect(page.get_by_text("The bucket was adjusted.")).to_be_visible()
    assert Bucket.objects.get(pk=bucket.pk).bytes_remaining == GIB + GIB // 2
    assert AuditEvent.objects.filter(action="bucket.adjust").exists()
    assert refused == []
