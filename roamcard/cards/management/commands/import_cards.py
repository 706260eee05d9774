import getpass
import time

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from roamcard.cards.importer import (
    STAGE_COMPARING,
    STAGE_INSERTING,
    STAGE_VALIDATING,
    CardImportFileError,
    card_import_csv,
    tqdm_progress,
)
from roamcard.core.commands import DescribedCommand

HELP = gettext_lazy("""Import cards into the inventory from a CSV file (UTF-8, comma-separated).

Line 1 is a header naming the columns, in any order:
  iccid            18-20 digits with a valid Luhn check digit
  card_password    the 6-8 digit card password (stored only as a keyed hash)
  form             physical | esim
  region           code of a coverage region in the catalogue, e.g. europe-33
  msisdn           optional: the card's number in E.164, e.g. +85291234567
  activation_code  eSIM only, and required there: LPA:1$<SM-DP+ address>$<matching id>

Example:
  iccid,card_password,form,region,msisdn,activation_code
  8985200000000000010,482913,physical,europe-33,+85291234567,
  8985200000000000028,39017265,esim,japan,,LPA:1$smdp.example.com$K2-4F7Q1-9XH3Z

The file is read once, as a stream; every row is checked and each bad row is reported
with its line number. If any row is bad, nothing is imported unless --skip-bad is given;
otherwise all the cards are written in one transaction. A card already in the inventory
with the same details and card password is left unchanged, so importing a file again
changes nothing; with another card password (or one hashed with an older key) its card
password is replaced ("updated"); with other details it is a bad row. New cards are in
stock. The progress bar shows the bytes read and the rows per second.
Exit code 1 if the file cannot be read or bad rows stopped the import.""")


class Command(DescribedCommand):
    help = HELP

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("the CSV file to import"))
        parser.add_argument(
            "--skip-bad",
            action="store_true",
            help=_("import the good rows even if some rows are bad (the bad ones are listed)"),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check every row and report, but import nothing"),
        )
        parser.add_argument(
            "--staff",
            metavar="EMAIL",
            help=_("the member of staff running the import, for the audit log"),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("do not show progress bars")
        )

    def _staff(self, email: str):
        staff = get_user_model().objects.filter(email__iexact=email, is_staff=True).first()
        if staff is None:
            raise CommandError(_("No member of staff with e-mail %(email)s.") % {"email": email})
        return staff

    def handle(self, *args, **options):
        show_progress = not options["no_progress"] and options["verbosity"] > 0
        staff = self._staff(options["staff"]) if options["staff"] else None
        started = time.perf_counter()
        try:
            report = card_import_csv(
                source=options["file"],
                skip_bad=options["skip_bad"],
                dry_run=options["dry_run"],
                progress=tqdm_progress if show_progress else None,
                actor=staff,
                audit_details={"os_user": getpass.getuser()},
            )
        except CardImportFileError as exc:
            raise CommandError(str(exc.message), returncode=1) from exc
        seconds = time.perf_counter() - started

        for bad_row in report.bad_rows:
            self.stderr.write(
                _("line %(line)d: %(reason)s") % {"line": bad_row.line, "reason": bad_row.reason}
            )
        if report.bad_count > len(report.bad_rows):
            not_listed = report.bad_count - len(report.bad_rows)
            self.stderr.write(
                ngettext(
                    "…and %(counter)s more bad row, not listed.",
                    "…and %(counter)s more bad rows, not listed.",
                    not_listed,
                )
                % {"counter": not_listed}
            )

        if report.written:
            heading = _("Imported.")
        elif options["dry_run"]:
            heading = _(
                "Dry run: nothing imported; %(count)d cards would be created and %(updated)d "
                "updated."
            ) % {"count": report.to_create, "updated": report.to_update}
        else:
            heading = _(
                "Nothing imported: %(count)d bad rows. Fix them, or give --skip-bad to "
                "import the %(good)d good rows."
            ) % {"count": report.bad_count, "good": report.to_create}
        summary = _(
            "created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d, bad: %(bad)d"
        ) % {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "bad": report.bad_count,
        }
        summary += "\n" + _("%(rows)s rows in %(seconds).1f s (%(rate)s rows/s)") % {
            "rows": f"{report.rows:,}",
            "seconds": seconds,
            "rate": f"{report.rows / max(seconds, 1e-9):,.0f}",
        }
        if options["verbosity"] > 1:
            summary += "\n" + _(
                "reading and checking: %(reading).1f s, comparing: %(comparing).1f s, "
                "saving: %(saving).1f s"
            ) % {
                "reading": report.seconds.get(STAGE_VALIDATING, 0),
                "comparing": report.seconds.get(STAGE_COMPARING, 0),
                "saving": report.seconds.get(STAGE_INSERTING, 0),
            }
        if report.written or options["dry_run"]:
            self.stdout.write(self.style.SUCCESS(heading))
            self.stdout.write(summary)
            return
        self.stdout.write(summary)
        raise CommandError(heading, returncode=1)
