import csv
import sys
import time
from typing import IO, Any

from django.conf import settings
from django.core.management.base import CommandError, OutputWrapper
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from tqdm import tqdm

from roamcard.core.commands import DescribedCommand
from roamcard.usage.cdr import (
    DEFAULT_BATCH_SIZE,
    FORMATS,
    BadLine,
    CdrFileError,
    CdrImportReport,
    cdr_file_import,
    cdr_format_for,
)

HELP = gettext_lazy("""Import usage records (CDRs) from a CSV or JSON Lines file.

Formats, chosen by the file's extension or by --format:
  CSV         .csv: a header row naming the columns in any order (other columns are
              ignored), comma- or semicolon-separated, UTF-8 with or without a BOM
  JSON Lines  .jsonl or .ndjson: one JSON object per line, with the same keys
Either may be gzip-compressed (.csv.gz, .jsonl.gz). FILE - reads standard input.

Fields, as in the usage API:
  event_id              the network's id of the record, unique, 1-64 characters
  iccid                 the card
  bytes_up, bytes_down  whole numbers of bytes
  started_at, ended_at  ISO 8601 with an offset, e.g. 2026-11-29T10:00:00Z
  country               ISO 3166 code (JP) or the network's MCC-MNC (44010)

Example (CSV):
  event_id,iccid,bytes_up,bytes_down,started_at,ended_at,country
  cdr-1,8985200000000000010,1048576,52428800,2026-11-29T10:00:00Z,2026-11-29T10:15:00Z,JP

The file is read as a stream in chunks of --batch-size lines. Each chunk is one usage batch
in one transaction: a file is imported chunk by chunk, and an interrupted import keeps the
chunks before the interruption. Running the same file again is safe: event ids are unique,
so an event already imported is a duplicate and changes nothing, and only what is missing
is imported.

Bad lines are reported with their line number and reason: the first 100 here, all of them
with --errors FILE. Exit status: 0 if every line was imported or was a duplicate, 1 if some
lines were rejected, 2 if the file could not be read.""")

# Bad lines printed on the terminal; --errors has them all.
PRINTED_BAD_LINES = 100


class _TqdmFile:
    """The command's stderr as tqdm writes to it: as is, without a line break or the error
    style added."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self._wrapper.flush()


class _Terminal:
    """What the import tells the person running it: a progress bar by bytes of the file,
    with events/s (when stderr is a terminal), and the first bad lines above it."""

    def __init__(self, stderr: OutputWrapper, *, progress: bool) -> None:
        self._stderr = stderr
        self._file = _TqdmFile(stderr) if progress else None
        self._bar: tqdm | None = None
        self._started = time.monotonic()

    def progress(self, report: CdrImportReport) -> None:
        if self._file is None:
            return
        rate = report.lines / max(time.monotonic() - self._started, 1e-9)
        postfix = _("%(rate)s events/s") % {"rate": f"{rate:,.0f}"}
        if self._bar is None:
            self._bar = tqdm(
                total=report.size,
                desc=_("Importing"),
                postfix=postfix,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                leave=False,
                dynamic_ncols=True,
                file=self._file,
            )
        else:
            self._bar.set_postfix_str(postfix, refresh=False)
        self._bar.update(report.bytes_read - self._bar.n)

    def say(self, text: str) -> None:
        if self._file is None:
            self._stderr.write(text)
        else:
            tqdm.write(self._stderr.style_func(text), file=self._file)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class _BadLines:
    """Each bad line as it comes: printed (the first ones), written to --errors (all)."""

    def __init__(self, terminal: _Terminal, errors_file: IO[str] | None) -> None:
        self._terminal = terminal
        self._writer = csv.writer(errors_file) if errors_file else None
        if self._writer:
            self._writer.writerow(["line", "event_id", "reason", "message"])
        self.count = 0

    def __call__(self, bad_line: BadLine) -> None:
        self.count += 1
        if self.count <= PRINTED_BAD_LINES:
            self._terminal.say(
                _("line %(line)d: %(message)s (%(reason)s)")
                % {"line": bad_line.line, "message": bad_line.message, "reason": bad_line.reason}
            )
        if self._writer:
            self._writer.writerow(
                [bad_line.line, bad_line.event_id, bad_line.reason, bad_line.message]
            )


class Command(DescribedCommand):
    help = HELP

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("the CDR file to import, or - for standard input"))
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help=_("csv or jsonl (default: from the file's extension)"),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            metavar="N",
            help=_(
                "lines per chunk, each chunk one transaction "
                "(default: %(default)s, at most %(max)s)"
            )
            % {"default": DEFAULT_BATCH_SIZE, "max": settings.USAGE_BATCH_MAX_EVENTS},
        )
        parser.add_argument(
            "--errors",
            metavar="FILE",
            help=_("write every bad line to this CSV file (line, event_id, reason, message)"),
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default="en",
            help=_("the language of the messages (default: en)"),
        )
        parser.add_argument("--quiet", action="store_true", help=_("no progress bar"))

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        source = options["file"]
        fmt = options["format"] or cdr_format_for(source)
        if fmt is None:
            raise CommandError(
                _(
                    "Cannot tell the format of %(file)s from its name (.csv, .jsonl, .ndjson, "
                    "maybe .gz): give --format csv or --format jsonl."
                )
                % {"file": source},
                returncode=2,
            )
        batch_size = options["batch_size"]
        if not 1 <= batch_size <= settings.USAGE_BATCH_MAX_EVENTS:
            raise CommandError(
                _("--batch-size must be between 1 and %(max)d.")
                % {"max": settings.USAGE_BATCH_MAX_EVENTS},
                returncode=2,
            )
        errors_file = self._open_errors_file(options["errors"])
        show_progress = not options["quiet"] and options["verbosity"] > 0 and self.stderr.isatty()
        terminal = _Terminal(self.stderr, progress=show_progress)
        bad_lines = _BadLines(terminal, errors_file)
        started = time.monotonic()
        try:
            report = cdr_file_import(
                source=source,
                fmt=fmt,
                batch_size=batch_size,
                stdin=getattr(sys.stdin, "buffer", None),
                on_bad_line=bad_lines,
                on_progress=terminal.progress,
            )
        except CdrFileError as exc:
            terminal.close()  # before the summary, which goes where the bar was
            if exc.report is not None:
                self._summarize(exc.report, bad_lines, options["errors"], started)
            raise CommandError(str(exc.message), returncode=2) from exc
        finally:
            terminal.close()
            if errors_file is not None:
                errors_file.close()
        self._summarize(report, bad_lines, options["errors"], started)
        if report.rejected:
            raise CommandError(
                ngettext(
                    "%(count)d line was rejected.",
                    "%(count)d lines were rejected.",
                    report.rejected,
                )
                % {"count": report.rejected},
                returncode=1,
            )

    def _open_errors_file(self, path: str | None) -> IO[str] | None:
        if path is None:
            return None
        try:
            return open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 closed in _import
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc.strerror},
                returncode=2,
            ) from exc

    def _summarize(
        self, report: CdrImportReport, bad_lines: _BadLines, errors_path: str | None, started: float
    ) -> None:
        if bad_lines.count > PRINTED_BAD_LINES:
            more = bad_lines.count - PRINTED_BAD_LINES
            if errors_path:
                note = ngettext(
                    "… and %(count)d more bad line, in %(file)s with all the others.",
                    "… and %(count)d more bad lines, all of them in %(file)s.",
                    more,
                ) % {"count": more, "file": errors_path}
            else:
                note = ngettext(
                    "… and %(count)d more bad line: give --errors FILE to list them all.",
                    "… and %(count)d more bad lines: give --errors FILE to list them all.",
                    more,
                ) % {"count": more}
            self.stderr.write(note)
        elapsed = time.monotonic() - started
        summary = _(
            "lines: %(lines)d, accepted: %(accepted)d, duplicates: %(duplicates)d, "
            "rejected: %(rejected)d, in %(elapsed)s s (%(rate)s events/s)"
        ) % {
            "lines": report.lines,
            "accepted": report.accepted,
            "duplicates": report.duplicates,
            "rejected": report.rejected,
            "elapsed": f"{elapsed:.1f}",
            "rate": f"{report.lines / max(elapsed, 1e-9):,.0f}",
        }
        self.stdout.write(
            self.style.WARNING(summary) if report.rejected else self.style.SUCCESS(summary)
        )
