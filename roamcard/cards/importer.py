"""Bulk import of cards into the inventory from a CSV file.

The file has a header row naming its columns (any order; the optional ones may be left out):

    iccid            18-20 digits, Luhn-checked; spaces and dashes as printed are ignored
    card_password    the 6-8 digit PIN under the scratch panel (stored only as a hash)
    form             physical | esim
    region           the code of a coverage region in the catalogue (e.g. europe)
    msisdn           optional: the card's number in E.164 (+85212345678)
    activation_code  eSIM only, required there: LPA:1$<SM-DP+ address>$<matching id>

The file is read as a stream, twice: once to find faults in the file as a whole (encoding,
CSV syntax, header) and count its rows, then row by row. Every row is validated before
anything is written. A file with a bad row imports nothing
unless bad rows are skipped. A card already in the inventory with the same details (card
password included) is "unchanged"; with different details it is a bad row. So importing
the same file twice changes nothing.

Card passwords are hashed with Argon2, which is slow on purpose (about 30 hashes/s on one
core), so the hashing of a large file is spread over a process pool.

The same importer serves the command line (`import-cards`, with progress bars) and the
back office's upload page (a background job reporting progress on its CardImport record):
each reports progress through the callback it passes in."""

import codecs
import csv
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from roamcard.catalog.models import Region
from roamcard.core.audit import audit_record
from roamcard.core.errors import DomainError

from .choices import CardForm, CardStatus
from .iccid import normalize_iccid
from .models import Card
from .passwords import check_card_password, hash_card_password, validate_card_password

REQUIRED_COLUMNS = ("iccid", "card_password", "form", "region")
OPTIONAL_COLUMNS = ("msisdn", "activation_code")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
# GSMA SGP.22 activation code: format "1", the SM-DP+ host name, the matching id.
ACTIVATION_CODE_RE = re.compile(
    r"^LPA:1\$(?=.{1,253}\$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\$[A-Za-z0-9-]+$"
)

DB_BATCH_SIZE = 500
# Below this many passwords a process pool costs more than it saves.
POOL_THRESHOLD = 64
POOL_CHUNK_SIZE = 32

# The stages of an import, in order, as reported to the progress callback.
STAGE_VALIDATING = "validating"
STAGE_COMPARING = "comparing"
STAGE_HASHING = "hashing"
STAGE_INSERTING = "inserting"

# Details compared with a card already in the inventory, with their names in reports.
COMPARED_FIELDS = {
    "form": gettext_lazy("form"),
    "region_id": gettext_lazy("region"),
    "msisdn": gettext_lazy("msisdn"),
    "activation_code": gettext_lazy("activation code"),
}


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
    unchanged: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    # False when bad rows stopped the import (or on a dry run): nothing was written.
    written: bool = False
    # How many cards would be created; equals `created` once written.
    to_create: int = 0
    # Data rows in the file (blank lines not counted).
    rows: int = 0


class _NoProgress:
    def __init__(self, *, stage: str, total: int, desc: str, unit: str = "rows") -> None:
        pass

    def __enter__(self) -> "_NoProgress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass


# A progress reporter: called at the start of each stage with stage= (one of the STAGE_*
# names), total= and desc= (and maybe unit=); what it returns is used as a context manager
# with update(n). tqdm_progress draws bars (on stderr); _NoProgress is the silent one.
Progress = Callable[..., Any]


def tqdm_progress(*, stage: str, total: int, desc: str, unit: str = "rows") -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True)


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


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """The lines of the file from its start, decoded as UTF-8 one at a time (a byte-order mark
    at the start is dropped). A line break never falls inside a UTF-8 character, so a line
    decodes on its own."""
    offset = 0
    for raw in File(stream):  # from the start; ends lines at \n, \r\n or \r, like open()
        text_start = len(codecs.BOM_UTF8) if offset == 0 and raw.startswith(codecs.BOM_UTF8) else 0
        try:
            text = raw[text_start:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CardImportFileError(
                _(
                    "The file is not UTF-8 text (undecodable byte at offset %(offset)d). "
                    "Save it as CSV UTF-8 and try again."
                )
                % {"offset": offset + text_start + exc.start}
            ) from exc
        offset += len(raw)
        yield text


def iter_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each non-blank data row, read as a stream. Raises
    CardImportFileError for a file that cannot be read as a whole (when it reaches the
    fault: read the file through once before acting on its rows)."""
    reader = csv.reader(_text_lines(stream))
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
        for record in reader:
            if any(value.strip() for value in record):
                if len(record) == len(header):
                    yield line, dict(zip(header, map(str.strip, record), strict=True))
                else:
                    message = _("expected %(expected)d columns, found %(found)d") % {
                        "expected": len(header),
                        "found": len(record),
                    }
                    yield line, {"__error__": message}
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CardImportFileError(
            _("Line %(line)d is not valid CSV: %(error)s") % {"line": reader.line_num, "error": exc}
        ) from exc


def count_rows(stream: IO[bytes]) -> int:
    """The number of data rows; raises CardImportFileError for a file that cannot be read."""
    return sum(1 for _row in iter_rows(stream))


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


def parse_row(line: int, values: dict[str, str], *, regions: dict[str, int]) -> CardRow:
    """One row as a CardRow, or ValidationError with every reason it is bad."""
    if "__error__" in values:
        raise ValidationError(values["__error__"])
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
    if form not in CardForm.values:
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


def _validate(
    rows: Iterator[tuple[int, dict[str, str]]], *, total: int, progress: Progress
) -> tuple[list[CardRow], list[BadRow]]:
    regions = dict(Region.objects.values_list("code", "id"))
    good: list[CardRow] = []
    bad: list[BadRow] = []
    first_line: dict[str, int] = {}
    with progress(stage=STAGE_VALIDATING, total=total, desc=_("Validating")) as bar:
        for line, values in rows:
            bar.update(1)
            try:
                row = parse_row(line, values, regions=regions)
            except ValidationError as exc:
                bad.append(BadRow(line, "; ".join(exc.messages)))
                continue
            if row.iccid in first_line:
                message = _("iccid: %(iccid)s is already on line %(line)d") % {
                    "iccid": row.iccid,
                    "line": first_line[row.iccid],
                }
                bad.append(BadRow(line, message))
                continue
            first_line[row.iccid] = line
            good.append(row)
    return good, bad


def _existing_cards(iccids: Sequence[str]) -> dict[str, dict[str, Any]]:
    existing = {}
    for start in range(0, len(iccids), DB_BATCH_SIZE):
        batch = iccids[start : start + DB_BATCH_SIZE]
        for values in Card.objects.filter(iccid__in=batch).values(
            "iccid", "password_hash", *COMPARED_FIELDS
        ):
            existing[values["iccid"]] = values
    return existing


# --- hashing ------------------------------------------------------------------------------

T = TypeVar("T")


def _hash_chunk(pairs: Sequence[tuple[str, str]]) -> list[str]:
    return [hash_card_password(iccid=iccid, password=password) for iccid, password in pairs]


def _check_chunk(triples: Sequence[tuple[str, str, str]]) -> list[bool]:
    return [
        check_card_password(iccid=iccid, password=password, encoded=encoded)
        for iccid, password, encoded in triples
    ]


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _map_in_pool(
    function: Callable[[Sequence[T]], list[Any]],
    items: Sequence[T],
    *,
    workers: int,
    progress: Progress,
    stage: str,
    desc: str,
) -> list[Any]:
    """function over items in chunks, in a process pool when that pays; keeps the order."""
    if not items:
        return []
    chunks = _chunks(items, POOL_CHUNK_SIZE)
    results: list[Any] = []
    with progress(stage=stage, total=len(items), desc=desc) as bar:
        if workers > 1 and len(items) >= POOL_THRESHOLD:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for chunk_result in pool.map(function, chunks):
                    results.extend(chunk_result)
                    bar.update(len(chunk_result))
        else:
            for chunk in chunks:
                chunk_result = function(chunk)
                results.extend(chunk_result)
                bar.update(len(chunk_result))
    return results


def default_workers() -> int:
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


# --- the service --------------------------------------------------------------------------


def card_import_csv(
    *,
    source: Source,
    file_name: str = "",
    skip_bad: bool = False,
    dry_run: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    actor: Any = None,
    audit_details: dict[str, Any] | None = None,
) -> CardImportReport:
    """Validate every row of the file (a path, or an open binary file named file_name), then
    create the new cards in one transaction.

    Raises CardImportFileError if the file cannot be imported at all. Bad rows are in the
    report; unless skip_bad, any bad row means nothing is written. The import is audited
    as `card.import`, by actor (a staff user, if known), with audit_details added."""
    progress = progress or _NoProgress
    workers = workers or default_workers()
    if isinstance(source, str | Path):
        file_name = Path(source).name

    with _opened(source) as stream:
        total = count_rows(stream)
        good, bad = _validate(iter_rows(stream), total=total, progress=progress)
    if not good and not bad:
        raise CardImportFileError(_("The file has a header row but no cards."))

    existing = _existing_cards([row.iccid for row in good])
    new_rows: list[CardRow] = []
    same_details: list[CardRow] = []
    for row in good:
        card = existing.get(row.iccid)
        if card is None:
            new_rows.append(row)
            continue
        differing = [
            str(label)
            for name, label in COMPARED_FIELDS.items()
            if card[name] != getattr(row, name)
        ]
        if differing:
            bad.append(
                BadRow(
                    row.line,
                    _("iccid: %(iccid)s is already in the inventory with a different %(fields)s")
                    % {"iccid": row.iccid, "fields": ", ".join(differing)},
                )
            )
        else:
            same_details.append(row)

    # A card already in the inventory is unchanged only if its card password is the same
    # too: checking costs one Argon2 computation, like hashing.
    matches = _map_in_pool(
        _check_chunk,
        [
            (row.iccid, row.card_password, existing[row.iccid]["password_hash"])
            for row in same_details
        ],
        workers=workers,
        progress=progress,
        stage=STAGE_COMPARING,
        desc=_("Checking existing cards"),
    )
    unchanged = 0
    for row, same_password in zip(same_details, matches, strict=True):
        if same_password:
            unchanged += 1
        else:
            bad.append(
                BadRow(
                    row.line,
                    _("iccid: %(iccid)s is already in the inventory with a different card password")
                    % {"iccid": row.iccid},
                )
            )
    bad.sort(key=lambda bad_row: bad_row.line)

    report = CardImportReport(
        unchanged=unchanged, bad_rows=bad, to_create=len(new_rows), rows=total
    )
    if dry_run or (bad and not skip_bad):
        return report

    hashes = _map_in_pool(
        _hash_chunk,
        [(row.iccid, row.card_password) for row in new_rows],
        workers=workers,
        progress=progress,
        stage=STAGE_HASHING,
        desc=_("Hashing card passwords"),
    )
    cards = [
        Card(
            iccid=row.iccid,
            password_hash=password_hash,
            form=row.form,
            status=CardStatus.IN_STOCK,
            region_id=row.region_id,
            msisdn=row.msisdn,
            activation_code=row.activation_code,
        )
        for row, password_hash in zip(new_rows, hashes, strict=True)
    ]
    try:
        with transaction.atomic():
            with progress(stage=STAGE_INSERTING, total=len(cards), desc=_("Inserting")) as bar:
                for batch in _chunks(cards, DB_BATCH_SIZE):
                    Card.objects.bulk_create(batch)
                    bar.update(len(batch))
            audit_record(
                actor=actor,
                action="card.import",
                details={
                    **(audit_details or {}),
                    "file": file_name,
                    "created": len(cards),
                    "unchanged": unchanged,
                    "bad_lines": [bad_row.line for bad_row in bad],
                },
            )
    except IntegrityError as exc:
        raise CardImportFileError(
            _(
                "Some of these cards were added to the inventory while the file was being "
                "imported; nothing was imported. Run the import again."
            )
        ) from exc
    report.created = len(cards)
    report.written = True
    return report
