"""Login stages that differ from allauth's defaults."""

from allauth.account.models import EmailAddress
from allauth.account.stages import EmailVerificationStage as AllauthEmailVerificationStage


class EmailVerificationStage(AllauthEmailVerificationStage):
    """allauth's e-mail verification, skipped for an account without an e-mail address:
    a traveller who signed up with only a mobile number verifies that number instead."""

    def handle(self):
        if not _has_email(self.login):
            return None, True
        return super().handle()


def _has_email(login) -> bool:
    if login.email:
        return True
    user = login.user
    if user is None:
        return False
    return bool(user.email) or EmailAddress.objects.filter(user_id=user.pk).exists()
