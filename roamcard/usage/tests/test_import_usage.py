"""Importing the network's CDR files: the readers (`roamcard.usage.cdr`), then the command
as staff meet it, `roamcard import-usage FILE`."""

import codecs
import csv
import gzip
import io
import json
import tracemalloc
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from roamcard import cli
from roamcard.cards.models import Bucket
from roamcard.testing import GIB, make_bucket, make_card, make_iccid, make_region, make_user
from roamcard.usage.cdr import (
    FIELDS,
    MAX_LINE_BYTES,
    BadLine,
    CdrEvent,
    CdrFileError,
    cdr_format_for,
    cdr_open,
    read_cdr,
)
from roamcard.usage.events import REASON_MESSAGES
from roamcard.usage.models import UsageBatch, UsageEvent

HEADER = "event_id,iccid,bytes_up,bytes_down,started_at,ended_at,country"
START, END = "2026-11-29T10:00:00Z", "2026-11-29T10:15:00Z"
# csv_line("e1") as the CSV reader gives it: every value a string, as written.
CSV_EVENT = {
    "event_id": "e1",
    "iccid": "8985200000000000010",
    "bytes_up": "100",
    "bytes_down": "200",
    "started_at": START,
    "ended_at": END,
    "country": "JP",
}


def csv_line(event_id, iccid="8985200000000000010", up=100, down=200, country="JP", sep=","):
    return sep.join([event_id, iccid, str(up), str(down), START, END, country])


def jsonl_line(event_id, iccid="8985200000000000010", up=100, down=200, country="JP"):
    return json.dumps(
        {
            "event_id": event_id,
            "iccid": iccid,
            "bytes_up": up,
            "bytes_down": down,
            "started_at": START,
            "ended_at": END,
            "country": country,
        }
    )


def read(data: bytes | str, fmt="csv"):
    if isinstance(data, str):
        data = data.encode()
    return list(read_cdr(io.BytesIO(data), fmt=fmt))


# --- the readers --------------------------------------------------------------------------


def test_csv_rows_become_events_with_their_line_numbers():
    records = read("\n".join([HEADER, csv_line("e1"), "", csv_line("e2", country="44010")]))

    assert records == [
        CdrEvent(2, CSV_EVENT),
        CdrEvent(4, {**CSV_EVENT, "event_id": "e2", "country": "44010"}),
    ]


def test_csv_columns_in_any_order_with_extra_ones_ignored_and_crlf_line_ends():
    text = (
        "Country;note;ICCID;event_id;ended_at;bytes_down;started_at;bytes_up\r\n"
        'JP;"a; b";8985200000000000010;e1;2026-11-29T10:15:00Z;200;2026-11-29T10:00:00Z;100\r\n'
    )

    (record,) = read(text)

    assert record.event == CSV_EVENT


def test_csv_with_semicolons_and_a_byte_order_mark():
    text = HEADER.replace(",", ";") + "\n" + csv_line("e1", sep=";") + "\n"

    (record,) = read(codecs.BOM_UTF8 + text.encode())

    assert record.event["event_id"] == "e1" and record.event["country"] == "JP"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        (
            "event_id,iccid,bytes_up,started_at,ended_at\n" + csv_line("e1"),
            "missing columns: bytes_down, country",
        ),
        (HEADER + ",country\n", "repeated columns: country"),
        ("\n" + HEADER + "\n", "Line 1 must be a header row"),
    ],
)
def test_a_csv_file_without_a_usable_header_is_an_error_before_any_line(text, message):
    with pytest.raises(CdrFileError) as raised:
        read(text)

    assert message in str(raised.value.message)


def test_bad_csv_lines_are_reported_by_line_number_and_the_rest_is_read():
    text = "\n".join(
        [
            HEADER,
            csv_line("e1"),  # 2
            "e2,8985200000000000010,100",  # 3: too few fields
            csv_line("e3") + ',"x',  # 4: a stray quote
            csv_line("e5"),  # 5
        ]
    )
    records = read(text.encode()[:-2] + b"\xff\xfe")  # 5: not UTF-8

    assert [(record.line, type(record)) for record in records] == [
        (2, CdrEvent),
        (3, BadLine),
        (4, BadLine),
        (5, BadLine),
    ]
    assert records[1] == BadLine(3, "e2", "wrong_field_count", "expected 7 fields, found 3")
    assert records[2].reason == "bad_csv" and "not valid CSV" in records[2].message
    assert records[3].reason == "not_utf8"


def test_jsonl_lines_become_events_and_bad_ones_are_reported_by_line_number():
    lines = [
        jsonl_line("e1"),  # 1
        "",  # 2: blank, skipped
        '{"event_id": "e2", ',  # 3
        "[1, 2]",  # 4
        json.dumps({"event_id": "e5", "bytes_up": 5, "extra": "ignored"}),  # 5
    ]

    records = read("\n".join(lines), fmt="jsonl")

    assert records[0] == CdrEvent(1, json.loads(lines[0]))
    assert records[1].line == 3 and records[1].reason == "bad_json"
    assert records[2] == BadLine(4, "", "not_an_object", "not a JSON object ({...}) with the event")
    # A missing field is for usage_ingest to reject (malformed); extra keys are left out.
    assert records[3] == CdrEvent(5, {"event_id": "e5", "bytes_up": 5})


def test_jsonl_with_a_byte_order_mark_and_a_line_that_is_not_utf8():
    data = codecs.BOM_UTF8 + jsonl_line("e1").encode() + b'\n{"event_id": "\xff"}\n'

    records = read(data, fmt="jsonl")

    assert records[0].event["event_id"] == "e1"
    assert records[1].line == 2 and records[1].reason == "not_utf8"


def test_an_overlong_line_is_skipped_without_being_held():
    data = (jsonl_line("e1") + "\n" + "x" * (3 * MAX_LINE_BYTES) + "\n" + jsonl_line("e3")).encode()

    records = read(data, fmt="jsonl")

    assert [record.line for record in records] == [1, 2, 3]
    assert records[1].reason == "line_too_long"
    assert records[2].event["event_id"] == "e3"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("cdr.csv", "csv"),
        ("CDR.CSV.GZ", "csv"),
        ("cdr.jsonl", "jsonl"),
        ("cdr.ndjson.gz", "jsonl"),
        ("cdr.txt", None),
        ("-", None),
    ],
)
def test_the_format_comes_from_the_extension(name, fmt):
    assert cdr_format_for(name) == fmt


def test_gzip_is_read_by_name_or_by_its_first_bytes(tmp_path):
    text = HEADER + "\n" + csv_line("e1") + "\n"
    (tmp_path / "cdr.csv.gz").write_bytes(gzip.compress(text.encode()))

    with cdr_open(str(tmp_path / "cdr.csv.gz")) as cdr:
        records = list(read_cdr(cdr.stream, fmt="csv"))
        assert cdr.name == "cdr.csv.gz" and cdr.size == (tmp_path / "cdr.csv.gz").stat().st_size
        assert cdr.bytes_read == cdr.size
    with cdr_open("-", stdin=io.BytesIO(gzip.compress(text.encode()))) as cdr:
        assert list(read_cdr(cdr.stream, fmt="csv")) == records
        assert cdr.name == "<stdin>" and cdr.size is None
    assert records[0].event["event_id"] == "e1"


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.csv", "File not found"), (".", "Not a file")],
)
def test_a_file_that_cannot_be_opened_is_an_error(tmp_path, name, message):
    with pytest.raises(CdrFileError) as raised, cdr_open(str(tmp_path / name)):
        pass

    assert message in str(raised.value.message)


# --- the command --------------------------------------------------------------------------


@pytest.fixture
def card(db):
    region = make_region(code="europe", name="Europe", countries=("FR", "DE", "IT", "ES"))
    card = make_card(region=region, owner=make_user())
    make_bucket(card=card, bytes_granted=100 * GIB)
    return card


def usage(card, event_id, *, iccid=None, minutes_ago=30, up=1000, down=3000, country="FR"):
    """One event as a file holds it: a quarter of an hour in France half an hour ago."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return {
        "event_id": event_id,
        "iccid": iccid or card.iccid,
        "bytes_up": up,
        "bytes_down": down,
        "started_at": at.isoformat(),
        "ended_at": (at + timedelta(minutes=15)).isoformat(),
        "country": country,
    }


def csv_file(path, events, *, sep=",", header=FIELDS):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as file:
        file.write(sep.join(header) + "\n")
        for event in events:
            file.write(sep.join(str(event[name]) for name in header) + "\n")
    return path


def jsonl_file(path, events):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as file:
        for event in events:
            file.write((event if isinstance(event, str) else json.dumps(event)) + "\n")
    return path


def run(*args, stderr=None):
    out, err = io.StringIO(), stderr or io.StringIO()
    try:
        call_command("import_usage", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_a_csv_file_is_imported_chunk_by_chunk_and_charged(tmp_path, card):
    path = csv_file(tmp_path / "cdr.csv", [usage(card, f"e{i}") for i in range(5)])

    code, out, err = run(path, "--batch-size", 2)

    assert code == 0, err
    assert "lines: 5, accepted: 5, duplicates: 0, rejected: 0" in out
    assert "events/s" in out
    batches = UsageBatch.objects.order_by("pk")
    assert [(b.source, b.file_name, b.first_line, b.accepted) for b in batches] == [
        ("file", "cdr.csv", 2, 2),
        ("file", "cdr.csv", 4, 2),
        ("file", "cdr.csv", 6, 1),
    ]
    assert UsageEvent.objects.filter(card=card).count() == 5
    bucket = Bucket.objects.get(card=card)
    assert bucket.bytes_granted - bucket.bytes_remaining == 5 * 4000


def test_running_the_same_file_again_accepts_nothing_new(tmp_path, card):
    path = csv_file(tmp_path / "cdr.csv", [usage(card, f"e{i}") for i in range(5)])
    run(path, "--batch-size", 2)
    remaining = Bucket.objects.get(card=card).bytes_remaining

    code, out, err = run(path, "--batch-size", 3)

    assert code == 0, err
    assert "lines: 5, accepted: 0, duplicates: 5, rejected: 0" in out
    assert UsageEvent.objects.count() == 5
    assert Bucket.objects.get(card=card).bytes_remaining == remaining


def test_a_duplicate_id_is_caught_within_a_chunk_and_across_chunks(tmp_path, card):
    events = [usage(card, event_id) for event_id in ("e1", "e2", "e3", "e1", "e4", "e4")]
    path = csv_file(tmp_path / "cdr.csv", events)

    code, out, err = run(path, "--batch-size", 2)  # e1 e2 | e3 e1 | e4 e4

    assert code == 0, err
    assert "lines: 6, accepted: 4, duplicates: 2, rejected: 0" in out
    assert [b.duplicates for b in UsageBatch.objects.order_by("pk")] == [0, 1, 1]


def test_semicolons_a_byte_order_mark_and_columns_in_another_order(tmp_path, card):
    header = ("country", "event_id", "ended_at", "started_at", "bytes_down", "bytes_up", "iccid")
    path = csv_file(
        tmp_path / "cdr.csv", [usage(card, "e1"), usage(card, "e2")], sep=";", header=header
    )
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())

    code, out, err = run(path)

    assert code == 0, err
    assert "lines: 2, accepted: 2" in out


def test_a_gzipped_json_lines_file(tmp_path, card):
    path = jsonl_file(tmp_path / "cdr.jsonl.gz", [usage(card, f"e{i}") for i in range(3)])

    code, out, err = run(path)

    assert code == 0, err
    assert "lines: 3, accepted: 3" in out
    assert UsageBatch.objects.get().file_name == "cdr.jsonl.gz"


def test_standard_input_with_a_format(tmp_path, card, monkeypatch):
    data = "\n".join(json.dumps(usage(card, f"e{i}")) for i in range(2)).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(data))))

    code, out, err = run("-", "--format", "jsonl")

    assert code == 0, err
    assert "lines: 2, accepted: 2" in out
    assert UsageBatch.objects.get().file_name == "<stdin>"


def test_bad_lines_are_reported_by_line_number_and_the_good_ones_imported(tmp_path, card):
    lines = [
        usage(card, "e1"),  # 1
        '{"event_id": "e2", "iccid": ',  # 2: not JSON
        usage(card, "e3", iccid=make_iccid()),  # 3: unknown card
        usage(card, "e4"),  # 4
        usage(card, "e5", country="XX"),  # 5: unknown country
        "",  # 6: blank
        usage(card, "e1"),  # 7: duplicate
        usage(card, "e8", minutes_ago=-60),  # 8: in the future
    ]
    path = jsonl_file(tmp_path / "cdr.jsonl", lines)
    errors = tmp_path / "bad.csv"

    code, out, err = run(path, "--batch-size", 3, "--errors", errors)

    assert code == 1
    assert "lines: 7, accepted: 2, duplicates: 1, rejected: 4" in out
    assert "4 lines were rejected." in err
    printed = [line.split(":")[0] for line in err.splitlines() if line.startswith("line ")]
    assert printed == ["line 2", "line 3", "line 5", "line 8"]
    assert f"line 3: {REASON_MESSAGES['unknown_card']} (unknown_card)" in err
    rows = list(csv.reader(errors.open(encoding="utf-8")))
    assert rows[0] == ["line", "event_id", "reason", "message"]
    assert [row[:3] for row in rows[1:]] == [
        ["2", "", "bad_json"],
        ["3", "e3", "unknown_card"],
        ["5", "e5", "unknown_country"],
        ["8", "e8", "in_future"],
    ]
    assert set(UsageEvent.objects.values_list("event_id", flat=True)) == {"e1", "e4"}


def test_a_csv_row_with_the_wrong_number_of_fields_is_a_bad_line(tmp_path, card):
    path = csv_file(tmp_path / "cdr.csv", [usage(card, "e1")])
    with path.open("a") as file:
        file.write("e2,8985200000000000010,100\n")

    code, out, err = run(path)

    assert code == 1
    assert "line 3: expected 7 fields, found 3 (wrong_field_count)" in err


def test_the_first_100_bad_lines_are_printed_and_all_written_with_errors(tmp_path, card):
    events = [usage(card, f"e{i}", iccid=make_iccid()) for i in range(150)]
    path = jsonl_file(tmp_path / "cdr.jsonl", events)

    code, out, err = run(path, "--errors", tmp_path / "bad.csv")

    assert code == 1
    assert sum(line.startswith("line ") for line in err.splitlines()) == 100
    assert f"… and 50 more bad lines, all of them in {tmp_path / 'bad.csv'}." in err
    assert len((tmp_path / "bad.csv").read_text().splitlines()) == 151

    code, out, err = run(path)
    assert "… and 50 more bad lines: give --errors FILE to list them all." in err


def test_rejections_in_the_language_asked_for(tmp_path, card):
    path = jsonl_file(tmp_path / "cdr.jsonl", [usage(card, "e1", iccid=make_iccid()), "[1]"])

    code, out, err = run(path, "--language", "ja")

    with translation.override("ja"):
        unknown_card = str(REASON_MESSAGES["unknown_card"])
        not_an_object = translation.gettext("not a JSON object ({...}) with the event")
    assert unknown_card != REASON_MESSAGES["unknown_card"] and not not_an_object.isascii()
    assert f"1 行目：{unknown_card}" in err and f"2 行目：{not_an_object}" in err


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("cdr.csv", "event_id,iccid\ne1,8985200000000000010\n", (), "missing columns: bytes_up"),
        ("cdr.csv", "", (), "The file is empty"),
        ("missing.csv", None, (), "File not found"),
        ("cdr.txt", "", (), "give --format csv or --format jsonl"),
        ("cdr.csv.gz", "not gzip", (), "Cannot read cdr.csv.gz"),
        ("cdr.csv", "", ("--batch-size", 10_001), "--batch-size must be between 1 and 10000"),
        ("cdr.csv", "", ("--errors", "/nonexistent/bad.csv"), "Cannot write /nonexistent/bad.csv"),
    ],
)
def test_a_file_that_cannot_be_read_is_exit_status_2_and_imports_nothing(
    tmp_path, card, name, content, args, message
):
    if content is not None:
        (tmp_path / name).write_text(content)

    code, out, err = run(tmp_path / name, *args)

    assert code == 2
    assert message in err
    assert not UsageBatch.objects.exists()


def test_a_file_unreadable_past_some_line_keeps_the_chunks_before_it(tmp_path, card):
    path = jsonl_file(tmp_path / "cdr.jsonl.gz", [usage(card, f"e{i}") for i in range(1000)])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    code, out, err = run(path, "--batch-size", 100)

    assert code == 2
    assert "Reading stopped after line" in err and "importing the file again is safe" in err
    imported = UsageEvent.objects.count()
    assert 0 < imported < 1000
    assert f"accepted: {imported}," in out


def test_exit_status_of_the_roamcard_command(tmp_path, card, capsys):
    path = jsonl_file(tmp_path / "cdr.jsonl", [usage(card, "e1"), usage(card, "e2", country="XX")])

    with pytest.raises(SystemExit) as exited:
        cli.main(["import-usage", str(path)])

    assert exited.value.code == 1
    assert "line 2:" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_progress_bar_on_a_terminal_unless_quiet(tmp_path, card):
    path = csv_file(tmp_path / "cdr.csv", [usage(card, f"e{i}") for i in range(3)])

    code, out, err = run(path, "--batch-size", 1, stderr=Terminal())

    assert code == 0
    assert "Importing" in err and "events/s" in err

    code, out, err = run(path, "--quiet", stderr=Terminal())
    assert err == ""


def _import_peak(path, errors):
    tracemalloc.start()
    try:
        code, out, err = run(path, "--batch-size", 500, "--errors", errors)
        return code, out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_importers_memory_does_not_grow_with_the_file(tmp_path, card):
    """Neither the file nor the results are held: ten times the lines, about the same peak
    (measured in Python's allocations, so it does not depend on timing)."""
    accepted = usage(card, "", up=1, down=1)
    # Every tenth event is for an unknown card, so bad lines flow to --errors too.
    unknown = usage(card, "", iccid=make_iccid(), up=1, down=1)
    peaks = []
    # The first import loads modules and fills caches once: not part of either peak.
    warm_up = [{**accepted, "event_id": "w1"}, {**unknown, "event_id": "w2"}]
    run(jsonl_file(tmp_path / "warm-up.jsonl.gz", warm_up), "--errors", tmp_path / "bad.csv")
    for lines in (5_000, 50_000):
        events = (
            {**(unknown if i % 10 == 0 else accepted), "event_id": f"{lines}-{i}"}
            for i in range(lines)
        )
        path = jsonl_file(tmp_path / f"cdr-{lines}.jsonl.gz", events)
        code, out, peak = _import_peak(path, tmp_path / "bad.csv")
        assert code == 1 and f"lines: {lines}, accepted: {lines * 9 // 10}," in out
        peaks.append(peak)

    assert peaks[1] < 1.5 * peaks[0], peaks
