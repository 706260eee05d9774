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
        from django.db.models.signals import post_delete, post_save

        from .languages import preferred_language_apply
        from .models import ApiToken, User
        from .services import user_signed_out_on_password_change
        from .signals import password_changed
        from .tokens import api_token_cache_drop_on_change

        user_logged_in.connect(preferred_language_apply, dispatch_uid="roamcard-preferred-language")
        password_changed.connect(
            user_signed_out_on_password_change, dispatch_uid="roamcard-password-changed"
        )
        # Whatever changes a user or a token, every process drops its copy (accounts/tokens.py).
        for model in (User, ApiToken):
            for signal in (post_save, post_delete):
                signal.connect(api_token_cache_drop_on_change, sender=model)
        # The back office signs in through allauth, so that staff pass the TOTP step.
        admin.site.login = secure_admin_login(admin.site.login)
