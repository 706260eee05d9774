"""The back office's card import in a real browser, under its Content-Security-Policy: staff
upload a file and read the result; an import's page follows its progress by itself."""

import pytest
from playwright.sync_api import expect

from roamcard.cards.choices import CardImportState
from roamcard.cards.models import Card, CardImport
from roamcard.core.tests.staff import make_staff
from roamcard.testing import make_iccid, make_region

from .conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def refusals(page):
    """What the browser refuses under the policy, as it reports it in the console."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: refused.append(str(error)))
    return refused


def test_staff_upload_a_file_from_the_card_list_and_read_the_bad_lines(new_page, log_in, tmp_path):
    make_region(code="europe-33")
    good = make_iccid()
    csv = tmp_path / "cards.csv"
    csv.write_text(
        "iccid,card_password,form,region\n"
        f"{good},123456,physical,europe-33\n"
        f"{make_iccid()},12ab,physical,europe-33\n"
    )
    page = log_in(new_page(viewport=DESKTOP), make_staff())
    refused = refusals(page)

    page.goto("/admin/cards/card/")
    page.get_by_role("link", name="Import cards").click()
    page.locator("input[type=file]").set_input_files(str(csv))
    page.get_by_role("button", name="Upload and import").click()

    expect(page.get_by_text("Nothing imported: 1 bad rows")).to_be_visible()
    expect(page.get_by_text("line 3: card_password: must be 6 to 8 digits")).to_be_visible()
    assert not Card.objects.filter(iccid=good).exists()
    assert refused == []


def test_an_import_page_follows_the_import_until_it_ends(new_page, log_in):
    staff = make_staff()
    card_import = CardImport.objects.create(
        created_by=staff,
        file_name="big.csv",
        file_size=1234,
        file_sha256="0" * 64,
        state=CardImportState.RUNNING,
        stage="reading",
        stage_total=400,
        stage_done=100,
    )
    page = log_in(new_page(viewport=DESKTOP), staff)
    refused = refusals(page)

    page.goto(f"/admin/cards/cardimport/{card_import.pk}/change/")
    expect(page.get_by_text("Reading the file: 100 of 400 (25%)")).to_be_visible()
    CardImport.objects.filter(pk=card_import.pk).update(stage_done=300)
    expect(page.get_by_text("Reading the file: 300 of 400 (75%)")).to_be_visible()
    CardImport.objects.filter(pk=card_import.pk).update(
        state=CardImportState.DONE, written=True, created=400, rows_total=400
    )

    expect(page.get_by_text("Imported.")).to_be_visible()
    assert refused == []
