from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from . import signals

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class User(AbstractUser):
    """A traveller or a member of staff. Logs in with an e-mail address or a mobile number."""

    email = models.EmailField(_("e-mail address"), blank=True, null=True, unique=True)
    phone = models.CharField(
        _("mobile number"),
        max_length=16,
        blank=True,
        null=True,
        unique=True,
        help_text=_("In international format, e.g. +8613800138000."),
    )
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    preferred_language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    preferred_currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default=settings.DEFAULT_CURRENCY
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.email or self.phone or self.username

    def clean(self) -> None:
        super().clean()
        # Blank means "none": unique columns allow many NULLs but only one "".
        self.email = self.email or None
        self.phone = self.phone or None

    @property
    def display_name(self) -> str:
        return self.email or self.phone or self.username

    # Whatever path sets a password (our reset, allauth's change page, the back office,
    # `manage.py changepassword`, a shell), the credentials issued under the old one die
    # with it. Django sets `_password` in set_password() and clears it again when it only
    # re-hashes the same password at login; disabling the password is flagged here.
    _password_disabled = False

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_disabled = True

    def save(self, *args, **kwargs) -> None:
        # allauth blanks the address of an account whose last one it removes: "none" is
        # NULL, or a second such account would collide on the unique column.
        self.email = self.email or None
        update_fields = kwargs.get("update_fields")
        password_changed = (
            not self._state.adding
            and (self._password is not None or self._password_disabled)
            and (update_fields is None or "password" in update_fields)
        )
        if not password_changed:
            super().save(*args, **kwargs)
            return
        with transaction.atomic():
            super().save(*args, **kwargs)
            self._password_disabled = False
            # Whatever set it (a reset, the change page, the back office, a command): every
            # credential issued under the old password dies with it (accounts/apps.py).
            signals.password_changed.send(sender=type(self), user=self)


def user_display(user: User) -> str:
    return user.display_name


class OneTimeCode(models.Model):
    """A code sent to an e-mail address or a phone, stored only as a hash.

    Single-use, short-lived and with a bounded number of guesses."""

    class Purpose(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("password reset")

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_codes")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    destination = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["destination", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.destination}"


class ApiToken(models.Model):
    """A bearer token for the mobile app. Only a hash of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
