from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roamcard.core.bearer import BEARER_HASH_LENGTH


class NetworkApiKey(models.Model):
    """A key the network sends to the API (e.g. its usage records). Staff issue it in the
    back office; the secret is shown once and only its SHA-256 is stored."""

    class Scope(models.TextChoices):
        USAGE_WRITE = "usage:write", _("Send usage records")

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    secret_hash = models.CharField(max_length=BEARER_HASH_LENGTH, unique=True)
    scope = models.CharField(_("scope"), max_length=32, choices=Scope.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("network API key")
        verbose_name_plural = _("network API keys")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
