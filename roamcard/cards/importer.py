"""Bulk import of cards into the inventory from a CSV file, streamed.

The file has a header row naming its columns (any order; the optional ones may be left out):

    iccid            18-20 digits, Luhn-checked; spaces and dashes as printed are ignored
    card_password    the 6-8 digit PIN under the scratch panel (stored only as a keyed hash)
    form             physical | esim
    region           the code of a coverage region in the catalogue (e.g. europe)
    msisdn           optional: the card's number in E.164 (+85212345678)
    activation_code  eSIM only, required there: LPA:1$<SM-DP+ address>$<matching id>

The file is read once, as a stream, in constant memory: each row is checked as it is read
and its card password hashed (HMAC-SHA256, microseconds: roamcard/cards/passwords.py), and
the good rows go, a chunk at a time, into a temporary staging table (COPY on PostgreSQL,
executemany on SQLite). Set-based statements over that table then find what one row cannot
show (an ICCID twice in the file, a card already in the inventory with other details) and
count what would change. The writes are all-or-nothing per file: one transaction inserts
the new cards and updates the changed ones, and a file with a bad row writes nothing unless
bad rows are skipped. The staging table is filled outside that transaction, so other
writers (renewals, usage) are held up only by the short final merge.

A card already in the inventory with the same details is "unchanged" when its stored hash
is what the row's password hashes to with the current key (comparing costs one HMAC); with
another card password, or a hash made with an Argon2 or an older key, its hash is replaced
("updated"). With other details (form, region, msisdn, activation code) it is a bad row.
So importing the same file twice changes nothing, and importing it again after a key
rotation moves its cards to the new key.

The same importer serves the command line (`import-cards`, with a progress bar) and the
back office's upload page (a background job reporting progress on its CardImport record):
each reports progress through the callback it passes in."""

import codecs
import csv
import io
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from roamcard.catalog.models import Region
from roamcard.core import rawsql
from roamcard.core.audit import audit_record
from roamcard.core.errors import DomainError

from .choices import CardForm, CardStatus
from .iccid import is_valid_iccid, normalize_iccid
from .models import Card
from .passwords import card_password_hasher, validate_card_password

REQUIRED_COLUMNS = ("iccid", "card_password", "form", "region")
OPTIONAL_COLUMNS = ("msisdn", "activation_code")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
# GSMA SGP.22 activation code: format "1", the SM-DP+ host name, the matching id.
ACTIVATION_CODE_RE = re.compile(
    r"^LPA:1\$(?=.{1,253}\$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\$[A-Za-z0-9-]+$"
)

# Good rows staged per COPY (or executemany): a few MB, whatever the file's size.
STAGE_CHUNK_ROWS = 5000
# Bad rows kept with their reasons (the first ones, by line); the rest are only counted.
BAD_ROWS_KEPT = 1000

# The stages of an import, in order, as reported to the progress callback.
STAGE_VALIDATING = "validating"
STAGE_COMPARING = "comparing"
STAGE_INSERTING = "inserting"

# Details compared with a card already in the inventory, with their names in reports.
COMPARED_FIELDS = {
    "form": gettext_lazy("form"),
    "region_id": gettext_lazy("region"),
    "msisdn": gettext_lazy("msisdn"),
    "activation_code": gettext_lazy("activation code"),
}
# The staging table's columns: the file's line, then what a card row takes from the file.
STAGED_FIELDS = ("iccid", "password_hash", "form", "region_id", "msisdn", "activation_code")
STAGE_TABLE = "card_import_stage"


class CardImportFileError(DomainError):
    """The file as a whole cannot be imported (missing, unreadable, wrong header, empty)."""

    code = "card_import_file_invalid"
    status = 400
    message = gettext_lazy("This file cannot be imported.")


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass(frozen=True)
class CardRow:
    line: int
    iccid: str
    card_password: str
    form: str
    region_id: int
    msisdn: str
    activation_code: str


@dataclass
class CardImportReport:
    created: int = 0
    # Cards already in the inventory whose card password hash was replaced: another card
    # password, or the same one hashed with an Argon2 or an older key.
    updated: int = 0
    unchanged: int = 0
    # The first BAD_ROWS_KEPT bad rows, by line; bad_count counts them all.
    bad_rows: list[BadRow] = field(default_factory=list)
    bad_count: int = 0
    # False when bad rows stopped the import (or on a dry run): nothing was written.
    written: bool = False
    # How many cards would be created and updated; equal to created and updated once written.
    to_create: int = 0
    to_update: int = 0
    # Data rows in the file (blank lines not counted).
    rows: int = 0
    # Seconds spent reading and staging, comparing, saving (STAGE_* names).
    seconds: dict[str, float] = field(default_factory=dict)


class _BadRows:
    """Bad rows as they are found, from the reading and from the set-based checks: the
    first BAD_ROWS_KEPT by line with their reasons, and a count of all."""

    def __init__(self) -> None:
        self.kept: list[BadRow] = []
        self.count = 0

    def add(self, line: int, reason: str) -> None:
        self.count += 1
        self.kept.append(BadRow(line, reason))
        if len(self.kept) >= 2 * BAD_ROWS_KEPT:
            self.kept = self.first()

    def first(self) -> list[BadRow]:
        return sorted(self.kept, key=lambda bad_row: bad_row.line)[:BAD_ROWS_KEPT]


class _NoProgress:
    def __init__(self, *, stage: str, total: int, desc: str, unit: str = "rows") -> None:
        pass

    def __enter__(self) -> "_NoProgress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def update(self, n: int = 1, *, rows: int | None = None) -> None:
        pass


# A progress reporter: called at the start of each stage with stage= (one of the STAGE_*
# names), total= and desc= (and maybe unit=: "bytes" while the file is read); what it
# returns is used as a context manager with update(n, rows=): n more done, and while the
# file is read, how many rows so far. tqdm_progress draws a bar (on stderr); _NoProgress
# is the silent one.
Progress = Callable[..., Any]


class _TqdmBar:
    """A tqdm bar that shows bytes read of the file's size, and the rows per second."""

    def __init__(self, *, stage: str, total: int, desc: str, unit: str = "rows") -> None:
        in_bytes = unit == "bytes"
        self.bar = tqdm(
            total=total or None,
            desc=desc,
            unit="B" if in_bytes else unit,
            unit_scale=in_bytes,
            unit_divisor=1024 if in_bytes else 1000,
            dynamic_ncols=True,
        )

    def __enter__(self) -> "_TqdmBar":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.bar.close()

    def update(self, n: int = 1, *, rows: int | None = None) -> None:
        if rows is not None:
            elapsed = self.bar.format_dict["elapsed"] or 1e-9
            self.bar.set_postfix_str(
                _("%(rows)s rows, %(rate)s rows/s")
                % {"rows": f"{rows:,}", "rate": f"{rows / elapsed:,.0f}"},
                refresh=False,
            )
        self.bar.update(n)


def tqdm_progress(*, stage: str, total: int, desc: str, unit: str = "rows") -> _TqdmBar:
    return _TqdmBar(stage=stage, total=total, desc=desc, unit=unit)


# --- reading ------------------------------------------------------------------------------


# What can be imported: a file's path, or an open binary file (an upload in storage).
Source = Path | str | IO[bytes]


@contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    if not isinstance(source, str | Path):
        yield source
        return
    path = Path(source)
    try:
        stream = path.open("rb")
    except FileNotFoundError as exc:
        raise CardImportFileError(_("File not found: %(path)s") % {"path": path}) from exc
    except IsADirectoryError as exc:
        raise CardImportFileError(_("Not a file: %(path)s") % {"path": path}) from exc
    except OSError as exc:
        raise CardImportFileError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from exc
    with stream:
        yield stream


def _size(stream: IO[bytes]) -> int:
    """The file's size in bytes, for progress; 0 when it cannot be known."""
    with suppress(AttributeError, OSError, io.UnsupportedOperation):
        return os.fstat(stream.fileno()).st_size
    with suppress(AttributeError, OSError, io.UnsupportedOperation):
        position = stream.tell()
        size = stream.seek(0, io.SEEK_END)
        stream.seek(position)
        return size
    return 0


class _CountingRaw(io.RawIOBase):
    """A binary stream seen through, counting the bytes read from it. Closing this (as the
    text wrapper over it does) leaves the stream open: its owner closes it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


class _LineReader:
    """The lines of a binary stream from its start, decoded as UTF-8 (a byte-order mark at
    the start is dropped), with their line ends as csv wants them (\n, \r\n or \r), counting
    the bytes read. Decoding and line splitting run in C (io.TextIOWrapper), a megabyte at
    a time; for a file that is not UTF-8, the offset of its first bad byte is found again,
    more slowly, for the message."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        stream.seek(0)
        self.raw = _CountingRaw(stream)

    @property
    def bytes_read(self) -> int:
        return self.raw.bytes_read

    def __iter__(self) -> Iterator[str]:
        buffered = io.BufferedReader(self.raw, buffer_size=1024 * 1024)
        text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
        try:
            yield from text
        except UnicodeDecodeError as exc:
            raise CardImportFileError(
                _(
                    "The file is not UTF-8 text (undecodable byte at offset %(offset)d). "
                    "Save it as CSV UTF-8 and try again."
                )
                % {"offset": self._first_bad_byte()}
            ) from exc

    def _first_bad_byte(self) -> int:
        self.stream.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        while chunk := self.stream.read(64 * 1024):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(chunk)
        return offset


def iter_rows(lines: Iterator[str] | _LineReader) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each non-blank data row, as the lines come.
    Raises CardImportFileError for a file that cannot be read as a whole (when it reaches
    the fault: nothing may be written before the last row is read)."""
    reader = csv.reader(lines)
    try:
        first = next(reader, None)
        # A blank first line: the file is empty, or its header row is missing (a bad header).
        if not any(value.strip() for value in first or ()) and not any(
            any(value.strip() for value in record) for record in reader
        ):
            raise CardImportFileError(_("The file is empty."))
        header = [name.strip().lower() for name in first or ()]
        _check_header(header)
        line = reader.line_num + 1
        width = len(header)
        for record in reader:
            if len(record) == width:
                values = [value.strip() for value in record]
                if any(values):
                    yield line, dict(zip(header, values, strict=True))
            elif any(value.strip() for value in record):
                message = _("expected %(expected)d columns, found %(found)d") % {
                    "expected": width,
                    "found": len(record),
                }
                yield line, {"__error__": message}
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CardImportFileError(
            _("Line %(line)d is not valid CSV: %(error)s") % {"line": reader.line_num, "error": exc}
        ) from exc


def _check_header(header: Sequence[str]) -> None:
    expected = ", ".join(COLUMNS)
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    problems = []
    if unknown:
        problems.append(_("unknown columns: %(names)s") % {"names": ", ".join(unknown)})
    if missing:
        problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
    if duplicated:
        problems.append(_("repeated columns: %(names)s") % {"names": ", ".join(duplicated)})
    if problems:
        raise CardImportFileError(
            _("Line 1 must be a header row naming the columns (%(expected)s); %(problems)s.")
            % {"expected": expected, "problems": "; ".join(problems)}
        )


# --- validating ---------------------------------------------------------------------------


def validate_msisdn(msisdn: str) -> str:
    if msisdn and not E164_RE.match(msisdn):
        raise ValidationError(
            _("%(value)r is not in E.164 format (+ and up to 15 digits)") % {"value": msisdn},
            code="invalid_msisdn",
        )
    return msisdn


def validate_activation_code(*, form: str, activation_code: str) -> str:
    """An eSIM needs one, a physical SIM has none."""
    if form == CardForm.ESIM and not activation_code:
        raise ValidationError(_("required for an eSIM"), code="activation_code_required")
    if form == CardForm.PHYSICAL and activation_code:
        raise ValidationError(_("a physical SIM has none"), code="activation_code_unexpected")
    if activation_code and not ACTIVATION_CODE_RE.match(activation_code):
        raise ValidationError(
            _("expected LPA:1$<SM-DP+ address>$<matching id>"), code="invalid_activation_code"
        )
    return activation_code


_FORMS = frozenset(CardForm.values)


def _good_row(line: int, values: dict[str, str], regions: dict[str, int]) -> CardRow | None:
    """The row as a CardRow if it is good as it stands (nearly every row of a provider's
    file), checked without building any error; None for parse_row to say what is wrong
    (or to accept it after all: an ICCID printed with spaces, say)."""
    iccid, password = values["iccid"], values["card_password"]
    form, msisdn = values["form"], values.get("msisdn", "")
    activation_code = values.get("activation_code", "")
    region_id = regions.get(values["region"])
    if (
        is_valid_iccid(iccid)
        and 6 <= len(password) <= 8
        and password.isascii()
        and password.isdigit()
        and form in _FORMS
        and region_id is not None
        and (not msisdn or E164_RE.match(msisdn))
        and (
            (form == CardForm.PHYSICAL and not activation_code)
            or (form == CardForm.ESIM and ACTIVATION_CODE_RE.match(activation_code))
        )
    ):
        return CardRow(line, iccid, password, form, region_id, msisdn, activation_code)
    return None


def parse_row(line: int, values: dict[str, str], *, regions: dict[str, int]) -> CardRow:
    """One row as a CardRow, or ValidationError with every reason it is bad."""
    if "__error__" in values:
        raise ValidationError(values["__error__"])
    if good := _good_row(line, values, regions):
        return good
    reasons: list[str] = []

    iccid = ""
    try:
        iccid = normalize_iccid(values["iccid"])
    except ValidationError as exc:
        reasons.append(_("iccid: %(reason)s") % {"reason": exc.messages[0]})

    password = ""
    try:
        password = validate_card_password(values["card_password"])
    except ValidationError:
        reasons.append(_("card_password: must be 6 to 8 digits"))

    form = values["form"].lower()
    if form not in _FORMS:
        reasons.append(
            _("form: %(value)r is neither physical nor esim") % {"value": values["form"]}
        )

    region_id = regions.get(values["region"])
    if region_id is None:
        reasons.append(_("region: no region with code %(value)r") % {"value": values["region"]})

    msisdn = values.get("msisdn", "")
    try:
        validate_msisdn(msisdn)
    except ValidationError as exc:
        reasons.append(_("msisdn: %(reason)s") % {"reason": exc.messages[0]})

    activation_code = values.get("activation_code", "")
    try:
        validate_activation_code(form=form, activation_code=activation_code)
    except ValidationError as exc:
        reasons.append(_("activation_code: %(reason)s") % {"reason": exc.messages[0]})

    if reasons:
        raise ValidationError(reasons)
    return CardRow(
        line=line,
        iccid=iccid,
        card_password=password,
        form=form,
        region_id=region_id,  # type: ignore[arg-type]
        msisdn=msisdn,
        activation_code=activation_code,
    )


# --- the staging table and the set-based checks ----------------------------------------------


class _Stage:
    """The temporary staging table of this connection: good rows go in a chunk at a time;
    set-based statements check and merge them. Dropped when the import ends."""

    def __init__(self) -> None:
        quote = connection.ops.quote_name
        self.name = quote(STAGE_TABLE)
        self.cards = rawsql.table(Card)
        self.quote = quote
        self.postgres = rawsql.is_postgres()

    def __enter__(self) -> "_Stage":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.name} (line integer NOT NULL, "
                "iccid varchar(20) NOT NULL, password_hash varchar(200) NOT NULL, "
                "form varchar(10) NOT NULL, region_id bigint NOT NULL, "
                "msisdn varchar(16) NOT NULL, activation_code varchar(255) NOT NULL)"
            )
        return self

    def __exit__(self, *exc_info: object) -> None:
        # After a database error inside a caller's transaction the drop fails too; that
        # transaction's rollback then drops the table.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")

    def write(self, rows: list[tuple]) -> None:
        rawsql.rows_insert(STAGE_TABLE, ["line", *STAGED_FIELDS], rows)

    def loaded(self) -> None:
        """Every row is in: index the table for the checks (and let PostgreSQL's planner
        know its size: autovacuum never analyses a temporary table)."""
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX card_import_stage_iccid ON {self.name} (iccid, line)")
            if self.postgres:
                cursor.execute(f"ANALYZE {self.name}")

    def _report(self, cursor: Any, select: str, where: str, bad: _BadRows, reason: Any) -> int:
        """Record the staged rows matching `where` as bad (the first ones with reason(row),
        all in the count), then take them out of the table. Returns how many there were."""
        cursor.execute(f"SELECT count(*) FROM {self.name} s WHERE {where}")
        (count,) = cursor.fetchone()
        if not count:
            return 0
        cursor.execute(
            f"SELECT {select} FROM {self.name} s WHERE {where} ORDER BY s.line LIMIT %s",
            [BAD_ROWS_KEPT],
        )
        for row in cursor.fetchall():
            bad.add(row[0], reason(row))
        bad.count += count - min(count, BAD_ROWS_KEPT)
        lines = f"SELECT s.line FROM {self.name} s WHERE {where}"
        cursor.execute(f"DELETE FROM {self.name} WHERE line IN ({lines})")
        return count

    def remove_repeated(self, bad: _BadRows) -> None:
        """An ICCID on several lines: the later lines are bad (the first one stays)."""
        earlier = (
            f"SELECT min(t.line) FROM {self.name} t WHERE t.iccid = s.iccid AND t.line < s.line"
        )
        with connection.cursor() as cursor:
            self._report(
                cursor,
                f"s.line, s.iccid, ({earlier})",
                f"EXISTS (SELECT 1 FROM {self.name} t WHERE t.iccid = s.iccid AND t.line < s.line)",
                bad,
                lambda row: (
                    _("iccid: %(iccid)s is already on line %(line)d")
                    % {"iccid": row[1], "line": row[2]}
                ),
            )

    def remove_different_details(self, bad: _BadRows) -> None:
        """An ICCID already in the inventory with other details than the row's is bad."""
        quote = self.quote
        differs = [f"c.{quote(name)} <> s.{quote(name)}" for name in COMPARED_FIELDS]
        existing = f"SELECT 1 FROM {self.cards} c WHERE c.iccid = s.iccid AND "
        flags = ", ".join(f"EXISTS ({existing}{difference})" for difference in differs)
        labels = list(COMPARED_FIELDS.values())

        def reason(row: tuple) -> str:
            fields = ", ".join(
                str(label) for label, flag in zip(labels, row[2:], strict=True) if flag
            )
            return _("iccid: %(iccid)s is already in the inventory with a different %(fields)s") % {
                "iccid": row[1],
                "fields": fields,
            }

        with connection.cursor() as cursor:
            self._report(
                cursor,
                f"s.line, s.iccid, {flags}",
                f"EXISTS ({existing}({' OR '.join(differs)}))",
                bad,
                reason,
            )

    def counts(self) -> tuple[int, int, int]:
        """(cards to create, cards to update, cards unchanged) among the staged rows."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(c.id), "
                "coalesce(sum(CASE WHEN c.password_hash = s.password_hash THEN 1 ELSE 0 END), 0) "
                f"FROM {self.name} s LEFT JOIN {self.cards} c ON c.iccid = s.iccid"
            )
            staged, existing, unchanged = cursor.fetchone()
        return staged - existing, existing - unchanged, unchanged

    def merge(self, *, insert: bool, update: bool) -> tuple[int, int]:
        """Insert the new cards (in stock, in the file's order) and replace the changed
        hashes, in the caller's transaction; each statement only when the counts said
        there is something to do (a join of a million rows each). Returns (created,
        updated)."""
        created = updated = 0
        quote = self.quote
        now = timezone.now()
        columns, values, params = [], [], []
        for model_field in Card._meta.concrete_fields:
            if model_field.primary_key:
                continue
            column = quote(model_field.column)
            if model_field.attname in STAGED_FIELDS:
                columns.append(column)
                values.append(f"s.{column}")
            elif model_field.name == "status":
                columns.append(column)
                values.append("%s")
                params.append(CardStatus.IN_STOCK.value)
            elif getattr(model_field, "auto_now_add", False) or getattr(
                model_field, "auto_now", False
            ):
                columns.append(column)
                values.append("%s")
                params.append(rawsql.db_datetime(now))
            elif not model_field.null:
                columns.append(column)
                values.append("%s")
                params.append(model_field.get_db_prep_save(model_field.get_default(), connection))
        with connection.cursor() as cursor:
            if insert:
                cursor.execute(
                    f"INSERT INTO {self.cards} ({', '.join(columns)}) "
                    f"SELECT {', '.join(values)} FROM {self.name} s "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {self.cards} c WHERE c.iccid = s.iccid) "
                    "ORDER BY s.line",
                    params,
                )
                created = cursor.rowcount
            if update:
                cursor.execute(
                    f"UPDATE {self.cards} SET password_hash = s.password_hash "
                    f"FROM {self.name} s WHERE {self.cards}.iccid = s.iccid "
                    f"AND {self.cards}.password_hash <> s.password_hash"
                )
                updated = cursor.rowcount
        return created, updated


# --- the service --------------------------------------------------------------------------


def _stage_file(stream: IO[bytes], stage: _Stage, bad: _BadRows, *, progress: Progress) -> int:
    """Read the file row by row, check each, and stage the good ones with their password's
    keyed hash. Returns the number of data rows."""
    regions = dict(Region.objects.values_list("code", "id"))
    make_hash = card_password_hasher()
    lines = _LineReader(stream)
    rows = 0
    chunk: list[tuple] = []
    reported = 0
    with progress(
        stage=STAGE_VALIDATING, total=_size(stream), desc=_("Reading"), unit="bytes"
    ) as bar:
        for line, values in iter_rows(lines):
            rows += 1
            try:
                row = parse_row(line, values, regions=regions)
            except ValidationError as exc:
                bad.add(line, "; ".join(exc.messages))
                continue
            chunk.append(
                (
                    line,
                    row.iccid,
                    make_hash(row.iccid, row.card_password),
                    row.form,
                    row.region_id,
                    row.msisdn,
                    row.activation_code,
                )
            )
            if len(chunk) >= STAGE_CHUNK_ROWS:
                stage.write(chunk)
                chunk = []
                bar.update(lines.bytes_read - reported, rows=rows)
                reported = lines.bytes_read
        stage.write(chunk)
        bar.update(lines.bytes_read - reported, rows=rows)
    return rows


def card_import_csv(
    *,
    source: Source,
    file_name: str = "",
    skip_bad: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    actor: Any = None,
    audit_details: dict[str, Any] | None = None,
) -> CardImportReport:
    """Check every row of the file (a path, or an open binary file named file_name), then
    create the new cards and update the changed ones in one transaction.

    Raises CardImportFileError if the file cannot be imported at all. Bad rows are in the
    report; unless skip_bad, any bad row means nothing is written. The import is audited
    as `card.import`, by actor (a staff user, if known), with audit_details added."""
    progress = progress or _NoProgress
    if isinstance(source, str | Path):
        file_name = Path(source).name

    bad = _BadRows()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with _opened(source) as stream, _Stage() as stage:
        rows = _stage_file(stream, stage, bad, progress=progress)
        seconds[STAGE_VALIDATING] = time.perf_counter() - started
        if not rows:
            raise CardImportFileError(_("The file has a header row but no cards."))
        with progress(stage=STAGE_COMPARING, total=3, desc=_("Comparing"), unit="steps") as bar:
            stage.loaded()
            stage.remove_repeated(bad)
            bar.update(1)
            stage.remove_different_details(bad)
            bar.update(1)
            to_create, to_update, unchanged = stage.counts()
            bar.update(1)
        seconds[STAGE_COMPARING] = time.perf_counter() - started - seconds[STAGE_VALIDATING]

        report = CardImportReport(
            unchanged=unchanged,
            bad_rows=bad.first(),
            bad_count=bad.count,
            to_create=to_create,
            to_update=to_update,
            rows=rows,
            seconds=seconds,
        )
        if dry_run or (bad.count and not skip_bad):
            return report

        changed_meanwhile = CardImportFileError(
            _(
                "Some of these cards were added to the inventory or changed while the file "
                "was being imported; nothing was imported. Run the import again."
            )
        )
        try:
            with transaction.atomic():
                with progress(
                    stage=STAGE_INSERTING, total=to_create + to_update, desc=_("Saving")
                ) as bar:
                    created, updated = stage.merge(insert=to_create > 0, update=to_update > 0)
                    bar.update(created + updated)
                if (created, updated) != (to_create, to_update):
                    raise changed_meanwhile
                audit_record(
                    actor=actor,
                    action="card.import",
                    details={
                        **(audit_details or {}),
                        "file": file_name,
                        "created": created,
                        "updated": updated,
                        "unchanged": unchanged,
                        "bad_count": bad.count,
                        "bad_lines": [bad_row.line for bad_row in report.bad_rows],
                    },
                )
        except IntegrityError as exc:
            raise changed_meanwhile from exc
    seconds[STAGE_INSERTING] = time.perf_counter() - started - sum(seconds.values())
    report.created, report.updated = created, updated
    report.written = True
    return report
