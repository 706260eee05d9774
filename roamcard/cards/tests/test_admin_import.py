"""Importing cards from a CSV file uploaded in the back office, as staff meet it."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roamcard.cards.choices import CardImportState
from roamcard.cards.models import Card, CardImport
from roamcard.cards.services import card_import_sweep
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import make_staff
from roamcard.testing import card_password_is, make_iccid, make_region

from .test_import_cards import HEADER, good_rows

IMPORT_URL = "admin:cards_card_import_cards"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def regions(db):
    return make_region(code="europe-33"), make_region(code="japan", name="Japan", countries=["JP"])


def upload(client, content, *, name="cards.csv", language="en", **options):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse(IMPORT_URL),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **options},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def import_page(client, card_import, language="en"):
    return client.get(
        reverse("admin:cards_cardimport_change", args=[card_import.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()


def stored_files(media_root):
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def test_the_card_list_offers_the_import_page_which_explains_the_file(staff_client):
    cards = staff_client.get(reverse("admin:cards_card_changelist")).content.decode()
    page = staff_client.get(reverse(IMPORT_URL))

    assert reverse(IMPORT_URL) in cards
    content = page.content.decode()
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in content and "csrfmiddlewaretoken" in content
    assert "activation_code" in content and "If any row is bad, nothing is imported" in content


def test_a_good_file_creates_the_cards_and_keeps_a_record_of_the_import(
    staff_client, staff, regions, django_capture_on_commit_callbacks, private_media
):
    rows = good_rows(3)
    content = HEADER + "".join(rows)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, content, name="batch-7.csv")

    card_import = CardImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cards_cardimport_change", args=[card_import.pk])
    assert card_import.state == CardImportState.DONE and card_import.written
    assert (card_import.rows_total, card_import.created, card_import.unchanged) == (3, 3, 0)
    assert card_import.created_by == staff and card_import.file_name == "batch-7.csv"
    assert card_import.file_size == len(content.encode())
    assert card_import.file_sha256 == hashlib.sha256(content.encode()).hexdigest()
    assert card_import.started_at and card_import.finished_at
    iccid, password = rows[0].split(",")[:2]
    assert card_password_is(Card.objects.get(iccid=iccid), password)
    # The file held card passwords in clear: it is gone once imported.
    assert not card_import.file and stored_files(private_media) == []
    page = import_page(staff_client, card_import)
    assert "Imported." in page and 'hx-trigger="every 2s"' not in page
    uploaded = AuditEvent.objects.get(action="cardimport.upload")
    assert uploaded.actor == staff and uploaded.details["sha256"] == card_import.file_sha256
    imported = AuditEvent.objects.get(action="card.import")
    assert imported.actor == staff and imported.details["card_import"] == card_import.pk
    assert (
        "batch-7.csv"
        in staff_client.get(reverse("admin:cards_cardimport_changelist")).content.decode()
    )


def test_importing_the_same_file_again_counts_the_cards_as_unchanged(
    staff_client, regions, django_capture_on_commit_callbacks
):
    content = HEADER + "".join(good_rows(2))
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, content)
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, content)

    first, second = CardImport.objects.order_by("pk")
    assert (second.state, second.created, second.unchanged) == (CardImportState.DONE, 0, 2)
    assert Card.objects.count() == 2
    page = import_page(staff_client, second)
    assert "A file with the same content was uploaded before" in page
    assert reverse("admin:cards_cardimport_change", args=[first.pk]) in page


def test_bad_lines_are_listed_by_line_number_and_nothing_is_imported(
    staff_client, regions, django_capture_on_commit_callbacks
):
    good = good_rows(2)
    content = (
        HEADER
        + good[0]
        + "8985200000000000011,123456,physical,europe-33,,\n"  # line 3: wrong check digit
        + good[1]
        + f"{make_iccid()},12ab,physical,europe-33,,\n"  # line 5
    )

    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, content)

    card_import = CardImport.objects.get()
    assert card_import.state == CardImportState.FAILED and not card_import.written
    assert card_import.error_count == 2 and card_import.created == 0
    assert [error["line"] for error in card_import.errors] == [3, 5]
    assert Card.objects.count() == 0
    page = import_page(staff_client, card_import)
    assert "line 3: iccid: This card number is not valid" in page
    assert "line 5: card_password: must be 6 to 8 digits" in page
    assert "Nothing imported: 2 bad rows" in page


def test_with_skip_bad_the_good_rows_are_imported_and_the_bad_listed(
    staff_client, regions, django_capture_on_commit_callbacks
):
    good = good_rows(2)
    content = HEADER + good[0] + f"{make_iccid()},1,physical,europe-33,,\n" + good[1]

    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, content, skip_bad="on")

    card_import = CardImport.objects.get()
    assert card_import.state == CardImportState.DONE and card_import.written
    assert (card_import.created, card_import.error_count) == (2, 1)
    assert card_import.errors == [{"line": 3, "message": "card_password: must be 6 to 8 digits"}]
    assert Card.objects.count() == 2


def test_check_only_reports_and_writes_nothing(
    staff_client, regions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, HEADER + "".join(good_rows(2)), dry_run="on")

    card_import = CardImport.objects.get()
    assert card_import.state == CardImportState.DONE and not card_import.written
    assert card_import.to_create == 2 and Card.objects.count() == 0
    assert "2 cards would be created" in import_page(staff_client, card_import)


def test_the_errors_are_in_the_language_of_the_member_of_staff_who_uploaded(
    staff_client, regions, django_capture_on_commit_callbacks
):
    content = HEADER + f"{make_iccid()},12ab,physical,europe-33,,\n"

    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, content, language="ja")

    card_import = CardImport.objects.get()
    message = card_import.errors[0]["message"]
    assert message.startswith("card_password") and "6〜8 桁" in message
    page = import_page(staff_client, card_import, language="ja")
    assert message in page


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("cards.xlsx", b"PK\x03\x04 a spreadsheet", "cards.xlsx is not a CSV file"),
        ("cards.csv", b"PK\x03\x04\x14\x00\x06\x00 zipped", "is not CSV text"),
        ("cards.csv", "iccid;Café\n".encode("latin-1"), "The file is not UTF-8 text"),
        ("cards.csv", b"", "The submitted file is empty."),
    ],
)
def test_a_file_that_is_not_csv_text_is_refused_with_a_clear_error(
    staff_client, regions, private_media, name, data, error
):
    response = upload(staff_client, data, name=name)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not CardImport.objects.exists() and stored_files(private_media) == []


def test_a_file_larger_than_the_limit_is_refused(staff_client, regions, monkeypatch):
    monkeypatch.setattr("roamcard.cards.services.CARD_IMPORT_MAX_BYTES", 1024 * 1024)
    response = upload(staff_client, HEADER + "x" * (1024 * 1024))

    assert "The file is larger than 1 MB" in response.content.decode()
    assert not CardImport.objects.exists()


def test_a_file_that_cannot_be_imported_as_a_whole_leaves_a_failed_record(
    staff_client, regions, django_capture_on_commit_callbacks, private_media
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, "iccid,password,form,region\n1,2,3,4\n")

    card_import = CardImport.objects.get()
    assert card_import.state == CardImportState.FAILED
    assert "unknown columns: password" in card_import.message
    assert "unknown columns: password" in import_page(staff_client, card_import)
    assert stored_files(private_media) == []


def test_a_queued_import_shows_that_it_waits_and_its_page_polls_for_progress(staff_client, regions):
    upload(staff_client, HEADER + "".join(good_rows(1)))  # its job runs only on commit

    card_import = CardImport.objects.get()
    page = import_page(staff_client, card_import)
    progress_url = reverse("admin:cards_cardimport_progress", args=[card_import.pk])
    assert card_import.state == CardImportState.QUEUED
    assert "Waiting for a worker" in page
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 2s"' in page
    assert "Waiting for a worker" in staff_client.get(progress_url).content.decode()


def test_a_running_import_shows_its_step_and_a_progress_bar(staff_client, regions):
    upload(staff_client, HEADER + "".join(good_rows(1)))
    card_import = CardImport.objects.get()
    CardImport.objects.filter(pk=card_import.pk).update(
        state=CardImportState.RUNNING, stage="comparing", stage_total=400, stage_done=100
    )

    fragment = staff_client.get(
        reverse("admin:cards_cardimport_progress", args=[card_import.pk])
    ).content.decode()

    assert "Comparing with cards already in stock: 100 of 400 (25%)" in fragment
    assert '<progress class="card-import-bar w-full" max="400" value="100">' in fragment


def test_staff_without_the_import_permissions_are_refused(client, regions):
    clerk = make_staff(superuser=False, email="clerk@example.com")
    clerk.user_permissions.add(Permission.objects.get(codename="view_card"))
    client.force_login(clerk)

    listing = client.get(reverse("admin:cards_card_changelist")).content.decode()
    response = upload(client, HEADER + "".join(good_rows(1)))

    assert reverse(IMPORT_URL) not in listing
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert response.status_code == 403
    assert not CardImport.objects.exists()


def test_staff_given_the_import_permissions_may_import(
    client, regions, django_capture_on_commit_callbacks
):
    clerk = make_staff(superuser=False, email="clerk@example.com")
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_card", "add_card", "add_cardimport"])
    )
    client.force_login(clerk)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, HEADER + "".join(good_rows(1)))

    assert response.status_code == 302
    assert CardImport.objects.get().created == 1
    assert "Imported." in client.get(response["Location"]).content.decode()


def test_a_traveller_or_a_visitor_cannot_reach_the_import_page(client, traveller, regions):
    assert upload(client, HEADER + "".join(good_rows(1))).status_code == 302  # to the login
    client.force_login(traveller)
    assert upload(client, HEADER + "".join(good_rows(1))).status_code == 302
    assert not CardImport.objects.exists()


def test_an_upload_without_the_csrf_token_is_refused(staff, regions):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    response = upload(client, HEADER + "".join(good_rows(1)))

    assert response.status_code == 403
    assert not CardImport.objects.exists()


def test_an_import_page_is_for_staff_who_may_see_imports(staff_client, regions):
    upload(staff_client, HEADER + "".join(good_rows(1)))
    card_import = CardImport.objects.get()
    clerk = make_staff(superuser=False, email="clerk@example.com")
    clerk.user_permissions.add(Permission.objects.get(codename="view_card"))
    client = Client()
    client.force_login(clerk)
    url = reverse("admin:cards_cardimport_change", args=[card_import.pk])

    assert client.get(url).status_code == 403
    assert (
        client.get(reverse("admin:cards_cardimport_progress", args=[card_import.pk])).status_code
        == 403
    )
    assert staff_client.get(url).status_code == 200
    assert staff_client.get(reverse("admin:cards_cardimport_change", args=[999])).status_code == 404


# --- the janitor -------------------------------------------------------------------------


def test_an_import_whose_job_was_lost_is_queued_again_and_completes(
    staff_client, regions, django_capture_on_commit_callbacks
):
    upload(staff_client, HEADER + "".join(good_rows(2)))  # its job never ran
    card_import = CardImport.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        early = card_import_sweep(now=timezone.now())
    assert early.requeued == 0  # a fresh upload waits for its worker
    with django_capture_on_commit_callbacks(execute=True):
        swept = card_import_sweep(now=timezone.now() + timedelta(minutes=6))

    card_import.refresh_from_db()
    assert swept.requeued == 1
    assert card_import.state == CardImportState.DONE and card_import.created == 2
    assert Card.objects.count() == 2


def test_an_import_whose_worker_went_silent_fails_and_its_file_is_deleted(
    staff_client, regions, private_media
):
    upload(staff_client, HEADER + "".join(good_rows(1)), language="ja")
    card_import = CardImport.objects.get()
    stopped_at = timezone.now() - timedelta(minutes=31)
    CardImport.objects.filter(pk=card_import.pk).update(
        state=CardImportState.RUNNING, started_at=stopped_at, progress_at=stopped_at
    )
    working = CardImport.objects.create(
        created_by=card_import.created_by,
        file_name="other.csv",
        file_size=1,
        file_sha256="0" * 64,
        state=CardImportState.RUNNING,
        progress_at=timezone.now() - timedelta(minutes=2),
    )
    assert stored_files(private_media)

    swept = card_import_sweep(now=timezone.now())

    card_import.refresh_from_db()
    working.refresh_from_db()
    assert swept.failed == 1
    assert card_import.state == CardImportState.FAILED
    assert "アップロード" in card_import.message  # in the uploader's language
    assert stored_files(private_media) == []
    assert working.state == CardImportState.RUNNING  # still reporting progress: left alone
    assert Card.objects.count() == 0
