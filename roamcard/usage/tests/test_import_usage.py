"""Importing the network's CDR files: the readers (`roamcard.usage.cdr`), then the command
as staff meet it, `roamcard import-usage FILE`."""

import codecs
import gzip
import io
import json
import tracemalloc

import pytest

from roamcard.usage.cdr import (
    MAX_LINE_BYTES,
    BadLine,
    CdrEvent,
    CdrFileError,
    cdr_format_for,
    cdr_open,
    read_cdr,
)

HEADER = "event_id,iccid,bytes_up,bytes_down,started_at,ended_at,country"
START, END = "2026-11-29T10:00:00Z", "2026-11-29T10:15:00Z"


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
        CdrEvent(
            2,
            {
                "event_id": "e1",
                "iccid": "8985200000000000010",
                "bytes_up": "100",
                "bytes_down": "200",
                "started_at": START,
                "ended_at": END,
                "country": "JP",
            },
        ),
        CdrEvent(4, {**records[0].event, "event_id": "e2", "country": "44010"}),
    ]


def test_csv_columns_in_any_order_with_extra_ones_ignored_and_crlf_line_ends():
    text = (
        "Country;note;ICCID;event_id;ended_at;bytes_down;started_at;bytes_up\r\n"
        'JP;"a; b";8985200000000000010;e1;2026-11-29T10:15:00Z;200;2026-11-29T10:00:00Z;100\r\n'
    )

    (record,) = read(text)

    assert record.event == {
        "event_id": "e1",
        "iccid": "8985200000000000010",
        "bytes_up": "100",
        "bytes_down": "200",
        "started_at": START,
        "ended_at": END,
        "country": "JP",
    }


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


def _reader_peak(path, fmt):
    tracemalloc.start()
    try:
        with cdr_open(str(path)) as cdr:
            count = sum(1 for _record in read_cdr(cdr.stream, fmt=fmt))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_readers_memory_does_not_grow_with_the_file(tmp_path, fmt):
    peaks = []
    for lines in (20_000, 200_000):
        path = tmp_path / f"cdr-{lines}.{fmt}.gz"
        with gzip.open(path, "wt") as file:
            if fmt == "csv":
                file.write(HEADER + "\n")
            for i in range(lines):
                file.write((csv_line if fmt == "csv" else jsonl_line)(f"e{i}") + "\n")
        count, peak = _reader_peak(path, fmt)
        assert count == lines
        peaks.append(peak)

    assert peaks[1] < 1.5 * peaks[0], peaks
