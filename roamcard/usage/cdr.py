"""The network's CDR files (records of data sessions), read as a stream and imported chunk by
chunk through usage_ingest.

Two formats, with the same fields as the usage API's events:

    CSV          a header row naming the columns (any order; other columns are ignored),
                 comma- or semicolon-separated (whichever the header row uses), one record a
                 line; UTF-8 with or without a byte-order mark
    JSON Lines   one JSON object a line (.jsonl, .ndjson)

Either may be gzip-compressed. Each chunk of lines is one usage batch, one transaction: a
file is imported chunk by chunk, not all at once. Re-running is safe because every event id
is unique: an event already stored is a duplicate and changes nothing, so a file imported
again (whole, or after an interruption) imports only what is missing.

Memory stays flat whatever the size of the file: one line is read at a time, a chunk holds at
most `batch_size` lines, and the bad lines go to a callback as they are found; nothing keeps
the file or every result."""

import codecs
import csv
import gzip
import heapq
import io
import os
import stat
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roamcard.core.errors import DomainError

from .ingest import REJECTED, usage_ingest
from .models import UsageBatch

FIELDS = ("event_id", "iccid", "bytes_up", "bytes_down", "started_at", "ended_at", "country")

FORMAT_CSV = "csv"
FORMAT_JSONL = "jsonl"
FORMATS = (FORMAT_CSV, FORMAT_JSONL)
FORMAT_BY_EXTENSION = {".csv": FORMAT_CSV, ".jsonl": FORMAT_JSONL, ".ndjson": FORMAT_JSONL}

STDIN = "-"
STDIN_NAME = "<stdin>"
DEFAULT_BATCH_SIZE = 5_000
# A CDR line is a few hundred bytes. A longer one is not a record (a binary file, a missing
# line break): it is a bad line, read past without being held, so memory stays flat.
MAX_LINE_BYTES = 64 * 1024
READ_BUFFER_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"

# Why a line was not sent at all (usage_ingest's own reasons are for lines it was sent).
REASON_NOT_UTF8 = "not_utf8"
REASON_TOO_LONG = "line_too_long"
REASON_BAD_JSON = "bad_json"
REASON_NOT_AN_OBJECT = "not_an_object"
REASON_BAD_CSV = "bad_csv"
REASON_WRONG_FIELD_COUNT = "wrong_field_count"

# What a file may raise part-way through: an I/O error, a corrupt or truncated gzip stream.
READ_ERRORS = (OSError, EOFError, zlib.error)


class CdrFileError(DomainError):
    """The file cannot be read (at all, or past some line). `report` says what was imported
    before the fault, when anything was."""

    code = "cdr_file_invalid"
    status = 400
    message = gettext_lazy("This file cannot be imported.")

    def __init__(self, message: Any = None, *, report: "CdrImportReport | None" = None):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True, slots=True)
class CdrEvent:
    line: int
    event: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    event_id: str
    reason: str
    message: str


@dataclass
class CdrImportReport:
    # Data lines read (the header and blank lines not counted).
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    # Lines that were not imported: unreadable ones and the events usage_ingest rejected.
    rejected: int = 0
    batches: int = 0
    # Bytes of the file read so far (compressed, for a .gz) and its size (None for a pipe).
    bytes_read: int = 0
    size: int | None = None


def cdr_format_for(name: str) -> str | None:
    """The format a file's name says (`.csv`, `.jsonl`, `.ndjson`, each maybe `.gz`)."""
    path = Path(name.lower())
    if path.suffix == ".gz":
        path = path.with_suffix("")
    return FORMAT_BY_EXTENSION.get(path.suffix)


# --- opening ------------------------------------------------------------------------------


class _CountingReader(io.RawIOBase):
    """Counts the bytes taken from the file as stored (compressed, for a .gz): the progress."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self.bytes_read += count or 0
        return count


@dataclass
class CdrStream:
    name: str
    # The content, decompressed.
    stream: IO[bytes]
    size: int | None
    _counter: _CountingReader = field(repr=False)

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read


def _regular_file_size(raw: IO[bytes]) -> int | None:
    try:
        status = os.fstat(raw.fileno())
    except (OSError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


@contextmanager
def cdr_open(source: str, *, stdin: IO[bytes] | None = None) -> Iterator[CdrStream]:
    """The file at `source` (or `stdin` for "-"), decompressed if it is gzip (by its name or
    its first bytes). Raises CdrFileError if it cannot be opened."""
    if source == STDIN:
        if stdin is None:
            raise CdrFileError(_("No standard input to read."))
        yield _cdr_stream(stdin, name=STDIN_NAME, gzip_name=False)
        return
    path = Path(source)
    try:
        raw = path.open("rb", buffering=0)
    except FileNotFoundError as exc:
        raise CdrFileError(_("File not found: %(path)s") % {"path": path}) from exc
    except IsADirectoryError as exc:
        raise CdrFileError(_("Not a file: %(path)s") % {"path": path}) from exc
    except OSError as exc:
        raise CdrFileError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from exc
    with raw:
        try:
            cdr = _cdr_stream(raw, name=path.name, gzip_name=path.suffix.lower() == ".gz")
        except OSError as exc:
            raise CdrFileError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
            ) from exc
        yield cdr


def _cdr_stream(raw: IO[bytes], *, name: str, gzip_name: bool) -> CdrStream:
    counter = _CountingReader(raw)
    buffered = io.BufferedReader(counter, buffer_size=READ_BUFFER_BYTES)
    stream: IO[bytes] = buffered
    if gzip_name or buffered.peek(len(GZIP_MAGIC)).startswith(GZIP_MAGIC):
        stream = gzip.GzipFile(fileobj=buffered, mode="rb")
    # UsageBatch.file_name keeps at most 255 characters.
    return CdrStream(name=name[:255], stream=stream, size=_regular_file_size(raw), _counter=counter)


# --- reading ------------------------------------------------------------------------------


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, the line without its line break) for each line; None for a line longer
    than MAX_LINE_BYTES, which is skipped without being held. A byte-order mark at the start
    is dropped."""
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE_BYTES)
            yield number, None
            continue
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        yield number, raw.rstrip(b"\r\n")


def _too_long(line: int) -> BadLine:
    return BadLine(
        line,
        "",
        REASON_TOO_LONG,
        _("longer than %(limit)d bytes: not a usage record") % {"limit": MAX_LINE_BYTES},
    )


def _not_utf8(line: int, exc: UnicodeDecodeError) -> BadLine:
    return BadLine(
        line,
        "",
        REASON_NOT_UTF8,
        _("not UTF-8 text (undecodable byte at column %(column)d)") % {"column": exc.start + 1},
    )


def read_cdr(stream: IO[bytes], *, fmt: str) -> Iterator[CdrEvent | BadLine]:
    """Each data line of the file in order: an event to send, or a bad line (with its
    reason) that is not sent. Blank lines are skipped. Raises CdrFileError for a file that
    cannot be read as a whole (a CSV file without a usable header row)."""
    lines = _lines(stream)
    parse = _csv_layout(lines).parse if fmt == FORMAT_CSV else _parse_jsonl
    for line, raw in lines:
        if raw is None:
            yield _too_long(line)
        elif raw.strip():
            yield parse(line, raw)


def _parse_jsonl(line: int, raw: bytes) -> CdrEvent | BadLine:
    try:
        value = msgspec.json.decode(raw)
    except UnicodeDecodeError as exc:
        return _not_utf8(line, exc)
    except msgspec.DecodeError as exc:
        return BadLine(line, "", REASON_BAD_JSON, _("not valid JSON: %(error)s") % {"error": exc})
    if not isinstance(value, dict):
        return BadLine(
            line, "", REASON_NOT_AN_OBJECT, _("not a JSON object ({...}) with the event")
        )
    return CdrEvent(line, {name: value[name] for name in FIELDS if name in value})


@dataclass(frozen=True)
class _CsvLayout:
    delimiter: str
    columns: int
    # The position of each of FIELDS among the columns.
    positions: dict[str, int]

    def parse(self, line: int, raw: bytes) -> CdrEvent | BadLine:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _not_utf8(line, exc)
        # One record a line: a quoted field may hold the delimiter but not a line break, so a
        # stray quote spoils its own line only, and line numbers are the file's.
        try:
            values = next(csv.reader((text,), delimiter=self.delimiter, strict=True))
        except csv.Error as exc:
            return BadLine(line, "", REASON_BAD_CSV, _("not valid CSV: %(error)s") % {"error": exc})
        if len(values) != self.columns:
            event_id_at = self.positions["event_id"]
            message = _("expected %(expected)d fields, found %(found)d") % {
                "expected": self.columns,
                "found": len(values),
            }
            return BadLine(
                line,
                values[event_id_at].strip() if event_id_at < len(values) else "",
                REASON_WRONG_FIELD_COUNT,
                message,
            )
        return CdrEvent(line, {name: values[at].strip() for name, at in self.positions.items()})


def _csv_layout(lines: Iterator[tuple[int, bytes | None]]) -> _CsvLayout:
    """The layout the header row on line 1 gives, or CdrFileError saying what it lacks."""
    expected = ", ".join(FIELDS)
    first = next(lines, None)
    if first is None:
        raise CdrFileError(
            _(
                "The file is empty: a CSV file starts with a header row naming the columns "
                "%(expected)s."
            )
            % {"expected": expected}
        )
    try:
        text = first[1].decode("utf-8") if first[1] is not None else ""
    except UnicodeDecodeError:
        text = ""
    delimiter = ";" if text.count(";") > text.count(",") else ","
    try:
        names = [name.strip().lower() for name in next(csv.reader((text,), delimiter=delimiter))]
    except (csv.Error, StopIteration):
        names = []
    missing = [name for name in FIELDS if name not in names]
    repeated = sorted({name for name in FIELDS if names.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
    if repeated:
        problems.append(_("repeated columns: %(names)s") % {"names": ", ".join(repeated)})
    if problems:
        raise CdrFileError(
            _(
                "Line 1 must be a header row naming the columns %(expected)s (in any order; "
                "other columns are ignored); %(problems)s."
            )
            % {"expected": expected, "problems": "; ".join(problems)}
        )
    return _CsvLayout(delimiter, len(names), {name: names.index(name) for name in FIELDS})


# --- importing ----------------------------------------------------------------------------


@dataclass
class _Chunk:
    """Lines read since the last batch: the events to send and the bad lines found."""

    events: list[dict[str, Any]] = field(default_factory=list)
    event_lines: list[int] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.events) + len(self.bad_lines)

    def add(self, record: CdrEvent | BadLine) -> None:
        if isinstance(record, CdrEvent):
            self.events.append(record.event)
            self.event_lines.append(record.line)
        else:
            self.bad_lines.append(record)


def _import_chunk(
    chunk: _Chunk,
    *,
    file_name: str,
    report: CdrImportReport,
    on_bad_line: Callable[[BadLine], None],
) -> None:
    """Send the chunk's events as one batch; report its bad lines in line order."""
    rejected: list[BadLine] = []
    if chunk.events:
        outcome = usage_ingest(
            events=chunk.events,
            source=UsageBatch.Source.FILE,
            file_name=file_name,
            first_line=chunk.event_lines[0],
        )
        report.batches += 1
        report.accepted += outcome.accepted
        report.duplicates += outcome.duplicates
        rejected = [
            BadLine(line, result.event_id or "", result.reason or "", result.message or "")
            for line, result in zip(chunk.event_lines, outcome.results, strict=True)
            if result.result == REJECTED
        ]
    report.lines += len(chunk)
    report.rejected += len(chunk.bad_lines) + len(rejected)
    for bad_line in heapq.merge(chunk.bad_lines, rejected, key=lambda bad: bad.line):
        on_bad_line(bad_line)


def _ignore(_report_or_bad_line: Any) -> None:
    pass


def _read_error(
    exc: Exception, *, name: str, last_line: int, report: CdrImportReport
) -> CdrFileError:
    if not report.lines:
        return CdrFileError(_("Cannot read %(path)s: %(error)s") % {"path": name, "error": exc})
    return CdrFileError(
        _(
            "Reading stopped after line %(line)d: %(error)s. The lines before it were "
            "imported; importing the file again is safe."
        )
        % {"line": last_line, "error": exc},
        report=report,
    )


def cdr_file_import(
    *,
    source: str,
    fmt: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    stdin: IO[bytes] | None = None,
    on_bad_line: Callable[[BadLine], None] = _ignore,
    on_progress: Callable[[CdrImportReport], None] = _ignore,
) -> CdrImportReport:
    """Import a CDR file (a path, or "-" for `stdin`) in format `fmt`, `batch_size` lines
    at a time, each chunk's events one usage batch (one transaction). Every bad line goes to
    on_bad_line as it is found, in line order; on_progress gets the report after each chunk.

    Raises CdrFileError if the file cannot be read at all, or (with the report so far) if it
    cannot be read past some line: the lines before it are imported."""
    report = CdrImportReport()
    with cdr_open(source, stdin=stdin) as cdr:
        report.size = cdr.size
        chunk = _Chunk()

        def send_chunk() -> None:
            nonlocal chunk
            _import_chunk(chunk, file_name=cdr.name, report=report, on_bad_line=on_bad_line)
            chunk = _Chunk()
            report.bytes_read = cdr.bytes_read
            on_progress(report)

        records = read_cdr(cdr.stream, fmt=fmt)
        last_line = 0
        while True:
            # Only reading is guarded here: a fault in sending is not the file's.
            try:
                record = next(records, None)
            except READ_ERRORS as exc:
                if chunk:
                    send_chunk()
                raise _read_error(exc, name=cdr.name, last_line=last_line, report=report) from exc
            if record is None:
                break
            last_line = record.line
            chunk.add(record)
            if len(chunk) >= batch_size:
                send_chunk()
        send_chunk()
    return report
