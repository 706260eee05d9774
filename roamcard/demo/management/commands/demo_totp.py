from django.core.management.base import BaseCommand

from roamcard.demo.services import demo_totp_code


class Command(BaseCommand):
    help = "Print the demo staff login's current authenticator (TOTP) code."

    def handle(self, *args, **options):
        self.stdout.write(demo_totp_code())
