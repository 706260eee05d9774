from django.core.management.base import BaseCommand

from roamcard.demo.services import demo_seed


class Command(BaseCommand):
    help = "Load the demo catalogue, logins and cards (idempotent) and print how to use them."

    def handle(self, *args, **options):
        summary = demo_seed()
        out = self.stdout
        out.write(self.style.MIGRATE_HEADING("Demo logins"))
        out.write(
            f"  traveller  {summary.traveller_email} (or {summary.traveller_phone})"
            f"  password {summary.traveller_password}"
        )
        out.write(
            f"  staff      {summary.staff_email}  password {summary.staff_password}"
            "  authenticator code: `roamcard demo-totp`"
        )
        out.write(
            "  customer service: the traveller's questions at /support/, the staff queue at "
            "/admin/support/ticket/"
        )
        out.write(self.style.MIGRATE_HEADING("Unbound demo cards (card number / card password)"))
        for card in summary.unbound_cards:
            out.write(f"  {card.iccid}  {card.password:<8}  {card.form:<8}  {card.region}")
        if not summary.unbound_cards:
            out.write("  (all demo cards are bound; `make clean` starts afresh)")
