"""Importing cards from CSV, as staff meet it: `manage.py import_cards FILE`."""

import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from roamcard.cards import importer
from roamcard.cards.importer import card_import_csv
from roamcard.cards.models import Card
from roamcard.cards.passwords import LegacyArgon2CardPasswordHasher
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
    assert "created: 3, updated: 0, unchanged: 0, bad: 0" in out
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
    assert "created: 0, updated: 0, unchanged: 0, bad: 6" in out
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
    assert "created: 2, updated: 0, unchanged: 0, bad: 1" in out
    assert Card.objects.count() == 2
    assert AuditEvent.objects.get(action="card.import").details["bad_lines"] == [3]


def test_reimporting_the_same_file_changes_nothing(tmp_path, regions):
    path = write_csv(tmp_path, HEADER + "".join(good_rows(4)))
    assert run(path)[0] == 0
    before = {card.iccid: card.password_hash for card in Card.objects.all()}

    code, out, err = run(path)

    assert code == 0, err
    assert "created: 0, updated: 0, unchanged: 4, bad: 0" in out
    assert {card.iccid: card.password_hash for card in Card.objects.all()} == before


def test_an_iccid_already_in_inventory_with_different_details_is_a_bad_row(tmp_path, regions):
    europe, _japan = regions
    other_region = make_card(region=europe, password="222222")
    other_form = make_card(region=europe, password="333333", msisdn="+85291234567")
    path = write_csv(
        tmp_path,
        HEADER
        + f"{other_region.iccid},222222,physical,japan,,\n"
        + f"{other_form.iccid},999999,esim,europe-33,+85291234560,{LPA}\n",
    )

    code, out, err = run(path)

    assert code == 1
    already = "is already in the inventory with a different"
    assert f"line 2: iccid: {other_region.iccid} {already} region" in err
    assert f"line 3: iccid: {other_form.iccid} {already} form, msisdn, activation code" in err
    assert "999999" not in err
    assert card_password_is(Card.objects.get(pk=other_form.pk), "333333")
    assert Card.objects.get(pk=other_region.pk).region == europe


def test_a_changed_card_password_is_hashed_again_and_counted_as_updated(tmp_path, regions):
    europe, _japan = regions
    changed = make_card(region=europe, password="111111")
    same = make_card(region=europe, password="222222")
    same_hash = same.password_hash
    path = write_csv(
        tmp_path,
        HEADER
        + f"{changed.iccid},99999999,physical,europe-33,,\n"
        + f"{same.iccid},222222,physical,europe-33,,\n"
        + "".join(good_rows(1)),
    )

    code, out, err = run(path)

    assert code == 0, err
    assert "created: 1, updated: 1, unchanged: 1, bad: 0" in out
    changed.refresh_from_db()
    assert card_password_is(changed, "99999999") and not card_password_is(changed, "111111")
    assert Card.objects.get(pk=same.pk).password_hash == same_hash
    assert AuditEvent.objects.get(action="card.import").details["updated"] == 1


def test_reimporting_after_a_key_rotation_moves_the_cards_to_the_new_key(
    tmp_path, regions, settings
):
    europe, _japan = regions
    hasher = LegacyArgon2CardPasswordHasher()
    legacy = make_card(region=europe, password_hash=hasher.encode("444444", hasher.salt()))
    settings.CARD_PASSWORD_KEYS = {1: settings.CARD_PASSWORD_KEYS[1], 2: b"key-two-" + b"z" * 32}
    old_key = make_card(region=europe, password="555555")  # hashed with version 1
    settings.CARD_PASSWORD_KEY_VERSION = 2
    path = write_csv(
        tmp_path,
        HEADER
        + f"{legacy.iccid},444444,physical,europe-33,,\n"
        + f"{old_key.iccid},555555,physical,europe-33,,\n",
    )

    report = card_import_csv(source=path)

    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    for card, password in ((legacy, "444444"), (old_key, "555555")):
        card.refresh_from_db()
        assert card.password_hash.startswith("hmac-sha256$v2$")
        assert card_password_is(card, password)
    assert card_import_csv(source=path).unchanged == 2


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
    offset = len((HEADER + f"{make_iccid()},123456,physical,europe-33,,\n# Caf").encode())
    assert f"The file is not UTF-8 text (undecodable byte at offset {offset})" in err
    assert Card.objects.count() == 0


def test_missing_file_is_a_clear_error(tmp_path, regions):
    code, out, err = run(tmp_path / "nope.csv")

    assert code == 1
    assert "File not found" in err


class CountingStream(io.RawIOBase):
    """A binary file that hands out its bytes only in the pieces asked for, and counts them."""

    def __init__(self, data: bytes):
        self.data = data
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: len(self.data)}
        self.position = base[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size > 0, "the importer asked for the whole file"
        piece = self.data[self.position : self.position + size]
        self.position += len(piece)
        return piece


def test_a_file_given_as_a_stream_is_imported_a_chunk_at_a_time(regions, monkeypatch):
    monkeypatch.setattr(importer, "STAGE_CHUNK_ROWS", 500)
    rows = good_rows(3000)
    stream = CountingStream((HEADER + "".join(rows)).encode())
    seen: list[tuple[str, int, int, int | None]] = []

    class Recorder:
        def __init__(self, *, stage, total, desc, unit="rows"):
            self.stage, self.total = stage, total

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            pass

        def update(self, n=1, *, rows=None):
            seen.append((self.stage, self.total, stream.position, rows))

    report = card_import_csv(source=stream, file_name="cards.csv", progress=Recorder)

    assert report.created == 3000 and Card.objects.count() == 3000
    reading = [entry for entry in seen if entry[0] == importer.STAGE_VALIDATING]
    assert reading[0][1] == len(stream.data)  # the bar's total is the file's size
    # Rows were staged while most of the file was still unread...
    assert reading[0][2] < len(stream.data) / 2 and reading[0][3] == 500
    # ...and the rows counted grew chunk by chunk to all of them.
    assert [entry[3] for entry in reading] == sorted(entry[3] for entry in reading)
    assert reading[-1][3] == 3000


def test_bad_rows_beyond_those_listed_are_counted(tmp_path, regions, monkeypatch):
    monkeypatch.setattr(importer, "BAD_ROWS_KEPT", 2)
    first = good_rows(1)[0]
    lines = [first, first, first] + [f"{make_iccid()},12ab,physical,europe-33,,\n"] * 3
    path = write_csv(tmp_path, HEADER + "".join(lines))

    code, out, err = run(path)

    assert code == 1
    assert "line 3: iccid: " in err and "line 4: iccid: " in err and "line 5:" not in err
    assert "…and 3 more bad rows, not listed." in err
    assert "created: 0, updated: 0, unchanged: 0, bad: 5" in out


def test_bad_rows_found_against_the_whole_file_are_in_the_staff_language(tmp_path, regions):
    first = good_rows(1)[0]
    path = write_csv(tmp_path, HEADER + first + first)

    with translation.override("ja"):
        report = card_import_csv(source=path)

    iccid = first.split(",")[0]
    assert report.bad_count == 1 and report.bad_rows[0].line == 3
    assert report.bad_rows[0].reason == f"iccid：{iccid} はすでに 2 行目にあります"
    assert Card.objects.count() == 0


def test_the_command_shows_bytes_read_and_rows_per_second(tmp_path, regions, capsys):
    path = write_csv(tmp_path, HEADER + "".join(good_rows(3)))
    out = StringIO()

    call_command("import_cards", str(path), "-v2", stdout=out, stderr=StringIO())

    bar = capsys.readouterr().err
    assert "Reading" in bar and "rows/s" in bar and "3 rows" in bar
    assert "3 rows in " in out.getvalue() and "rows/s)" in out.getvalue()
    assert "reading and checking: " in out.getvalue() and "saving: " in out.getvalue()


def test_the_roamcard_console_script_maps_dashed_names(monkeypatch):
    from roamcard import cli

    calls = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", calls.append)

    cli.main(["import-cards", "cards.csv", "--skip-bad"])

    assert calls == [["roamcard", "import_cards", "cards.csv", "--skip-bad"]]
