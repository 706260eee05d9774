from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "roamcard.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.decorators import secure_admin_login
        from allauth.account.signals import user_logged_in
        from django.contrib import admin

        from .languages import preferred_language_apply
        from .services import user_signed_out_on_password_change
        from .signals import password_changed

        user_logged_in.connect(preferred_language_apply, dispatch_uid="roamcard-preferred-language")
        password_changed.connect(
            user_signed_out_on_password_change, dispatch_uid="roamcard-password-changed"
        )
        # The back office signs in through allauth, so that staff pass the TOTP step.
        admin.site.login = secure_admin_login(admin.site.login)
