"""Importing cards from CSV, as staff meet it: `manage.py import_cards FILE`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from roamcard.cards import importer
from roamcard.cards.importer import card_import_csv
from roamcard.cards.models import Card
from roamcard.core.models import AuditEvent
from roamcard.testing import card_password_is, make_card, make_iccid, make_region, make_user

HEADER = "iccid,card_password,form,region,msisdn,activation_code\n"
LPA = "LPA:1$smdp.example.com$K2-4F7Q1-9XH3Z"


@pytest.fixture
def regions(db):
    return make_region(code="europe-33"), make_region(code="japan", name="Japan", countries=["JP"])


def write_csv(tmp_path, text, *, name="cards.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_cards", str(path), "--no-progress", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def good_rows(n=3):
    rows = []
    for i in range(n):
        if i % 2:
            rows.append(f"{make_iccid()},{10000000 + i},esim,japan,,{LPA}{i}\n")
        else:
            rows.append(f"{make_iccid()},{123450 + i},physical,europe-33,+8529123456{i},\n")
    return rows


def test_imports_every_row_with_hashed_passwords_and_audits(tmp_path, regions):
    rows = good_rows(3)
    path = write_csv(tmp_path, HEADER + "".join(rows))

    code, out, err = run(path)

    assert code == 0, err
    assert "created: 3, unchanged: 0, bad: 0" in out
    first = Card.objects.get(iccid=rows[0].split(",")[0])
    assert (
        first.status == "in_stock" and first.form == "physical" and first.msisdn == "+85291234560"
    )
    assert first.password_hash != "123450" and card_password_is(first, "123450")
    esim = Card.objects.get(iccid=rows[1].split(",")[0])
    assert esim.activation_code == f"{LPA}1" and esim.region.code == "japan"
    event = AuditEvent.objects.get(action="card.import")
    assert event.details["created"] == 3 and event.details["file"] == "cards.csv"


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(tmp_path, regions):
    good = good_rows(2)
    lines = [
        good[0],  # line 2
        "8985200000000000011,123456,physical,europe-33,,\n",  # line 3: wrong check digit
        "\n",  # line 4: blank, ignored
        f"{make_iccid()},12ab,physical,europe-33,,\n",  # line 5
        f"{make_iccid()},123456,plastic,mars,,\n",  # line 6: two reasons
        f"{make_iccid()},123456,physical,europe-33,85291234567,\n",  # line 7
        good[1],  # line 8
        good[0],  # line 9: duplicate of line 2
        f"{make_iccid()},123456,physical\n",  # line 10: too few columns
    ]
    path = write_csv(tmp_path, HEADER + "".join(lines))

    code, out, err = run(path)

    assert code == 1
    assert "line 3: iccid: This card number is not valid" in err
    assert "line 4" not in err
    assert "line 5: card_password: must be 6 to 8 digits" in err
    assert (
        "line 6: form: 'plastic' is neither physical nor esim; region: no region with code 'mars'"
        in err
    )
    assert "line 7: msisdn: '85291234567' is not in E.164 format" in err
    assert "line 9: iccid: " in err and "is already on line 2" in err
    assert "line 10: expected 6 columns, found 3" in err
    assert "line 2:" not in err and "line 8:" not in err
    assert "Nothing imported: 6 bad rows" in err
    assert "created: 0, unchanged: 0, bad: 6" in out
    assert Card.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_the_import_is_audited_with_the_staff_member_who_ran_it(tmp_path, regions):
    staff = make_user(email="ops@example.com", is_staff=True)
    path = write_csv(tmp_path, HEADER + "".join(good_rows(1)))

    code, out, err = run(path, "--staff", "ops@example.com")

    assert code == 0, err
    event = AuditEvent.objects.get(action="card.import")
    assert event.actor == staff and event.details["os_user"]
    assert run(path, "--staff", "nobody@example.com")[0] == 1


def test_skip_bad_imports_the_good_rows_and_lists_the_bad(tmp_path, regions):
    good = good_rows(2)
    path = write_csv(
        tmp_path, HEADER + good[0] + f"{make_iccid()},1,physical,europe-33,,\n" + good[1]
    )

    code, out, err = run(path, "--skip-bad")

    assert code == 0
    assert "line 3: card_password: must be 6 to 8 digits" in err
    assert "created: 2, unchanged: 0, bad: 1" in out
    assert Card.objects.count() == 2
    assert AuditEvent.objects.get(action="card.import").details["bad_lines"] == [3]


def test_reimporting_the_same_file_changes_nothing(tmp_path, regions):
    path = write_csv(tmp_path, HEADER + "".join(good_rows(4)))
    assert run(path)[0] == 0
    before = {card.iccid: card.password_hash for card in Card.objects.all()}

    code, out, err = run(path)

    assert code == 0, err
    assert "created: 0, unchanged: 4, bad: 0" in out
    assert {card.iccid: card.password_hash for card in Card.objects.all()} == before


def test_an_iccid_already_in_inventory_with_different_details_is_a_bad_row(tmp_path, regions):
    europe, _japan = regions
    other_password = make_card(region=europe, password="111111")
    other_region = make_card(region=europe, password="222222")
    path = write_csv(
        tmp_path,
        HEADER
        + f"{other_password.iccid},999999,physical,europe-33,,\n"
        + f"{other_region.iccid},222222,physical,japan,,\n",
    )

    code, out, err = run(path)

    assert code == 1
    already = "is already in the inventory with a different"
    assert f"line 2: iccid: {other_password.iccid} {already} card password" in err
    assert (
        f"line 3: iccid: {other_region.iccid} is already in the inventory with a different region"
        in err
    )
    assert "999999" not in err
    assert card_password_is(Card.objects.get(pk=other_password.pk), "111111")


def test_esim_without_activation_code_is_a_bad_row(tmp_path, regions):
    path = write_csv(
        tmp_path,
        HEADER
        + f"{make_iccid()},123456,esim,japan,,\n"
        + f"{make_iccid()},123456,esim,japan,,LPA:1$not a host$x\n"
        + f"{make_iccid()},123456,physical,japan,,{LPA}\n",
    )

    code, out, err = run(path)

    assert code == 1
    assert "line 2: activation_code: required for an eSIM" in err
    assert "line 3: activation_code: expected LPA:1$<SM-DP+ address>$<matching id>" in err
    assert "line 4: activation_code: a physical SIM has none" in err
    assert Card.objects.count() == 0


def test_dry_run_checks_but_writes_nothing(tmp_path, regions):
    path = write_csv(tmp_path, HEADER + "".join(good_rows(2)))

    code, out, err = run(path, "--dry-run")

    assert code == 0
    assert "2 cards would be created" in out
    assert Card.objects.count() == 0


def test_header_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(tmp_path, regions):
    iccid = make_iccid()
    path = write_csv(
        tmp_path,
        f"\ufeffRegion, Form ,ICCID,card_password\r\neurope-33,physical,{iccid},654321\r\n",
    )

    code, out, err = run(path)

    assert code == 0, err
    assert Card.objects.get(iccid=iccid).msisdn == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "iccid,password,form,region\n",
            "unknown columns: password; missing columns: card_password",
        ),
        (f"{make_iccid()},123456,physical,europe-33\n", "Line 1 must be a header row"),
        ("", "The file is empty."),
        ("   \n\n", "The file is empty."),
        (HEADER, "The file has a header row but no cards."),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_clear_error(tmp_path, regions, content, message):
    code, out, err = run(write_csv(tmp_path, content))

    assert code == 1
    assert message in err
    assert Card.objects.count() == 0


def test_non_utf8_file_is_a_clear_error(tmp_path, regions):
    path = write_csv(
        tmp_path,
        HEADER + f"{make_iccid()},123456,physical,europe-33,,\n# Café\n",
        encoding="latin-1",
    )

    code, out, err = run(path)

    assert code == 1
    assert "The file is not UTF-8 text" in err
    assert Card.objects.count() == 0


def test_missing_file_is_a_clear_error(tmp_path, regions):
    code, out, err = run(tmp_path / "nope.csv")

    assert code == 1
    assert "File not found" in err


def test_hashing_in_a_process_pool_gives_the_same_result(tmp_path, regions, monkeypatch):
    monkeypatch.setattr(importer, "POOL_THRESHOLD", 2)
    monkeypatch.setattr(importer, "POOL_CHUNK_SIZE", 2)
    rows = good_rows(5)
    path = write_csv(tmp_path, HEADER + "".join(rows))

    report = card_import_csv(source=path, workers=2)

    assert report.created == 5
    for row in rows:
        iccid, password = row.split(",")[:2]
        assert card_password_is(Card.objects.get(iccid=iccid), password)
    assert card_import_csv(source=path, workers=2).unchanged == 5


def test_the_roamcard_console_script_maps_dashed_names(monkeypatch):
    from roamcard import cli

    calls = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", calls.append)

    cli.main(["import-cards", "cards.csv", "--skip-bad"])

    assert calls == [["roamcard", "import_cards", "cards.csv", "--skip-bad"]]
