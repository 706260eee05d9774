"""Issuing and revoking the network's API keys. Both are audited; the secret never is."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roamcard.core.audit import audit_record
from roamcard.core.bearer import bearer_secret_hash, bearer_secret_new
from roamcard.core.errors import InvalidInput

from .errors import NetworkApiKeyNotFound
from .models import NetworkApiKey

NETWORK_KEY_PREFIX = "rcn_"
PREFIX_LENGTH = 8


def network_api_key_issue(
    *, name: str, scope: str, staff: Any, ip_address: str | None
) -> tuple[NetworkApiKey, str]:
    """Issue a key. Returns the stored key and the secret, which is never stored and
    cannot be shown again."""
    name = name.strip()
    fields: dict[str, list[str]] = {}
    if not name:
        fields["name"] = [_("Give the key a name, e.g. the feed that will use it.")]
    elif len(name) > NetworkApiKey._meta.get_field("name").max_length:
        fields["name"] = [_("This value is too long.")]
    if scope not in NetworkApiKey.Scope.values:
        fields["scope"] = [_("Choose one of the allowed values.")]
    if fields:
        raise InvalidInput(fields=fields)
    secret = bearer_secret_new(prefix=NETWORK_KEY_PREFIX)
    with transaction.atomic():
        key = NetworkApiKey.objects.create(
            name=name,
            prefix=secret[:PREFIX_LENGTH],
            secret_hash=bearer_secret_hash(secret),
            scope=scope,
            created_by=staff,
        )
        audit_record(
            actor=staff,
            action="networkapikey.issue",
            obj=key,
            details={"scope": scope, "prefix": key.prefix},
            ip_address=ip_address,
        )
    return key, secret


def network_api_key_revoke(*, key_id: int, staff: Any, ip_address: str | None) -> NetworkApiKey:
    """Revoke a key at once: the next request with it is refused. Revoking a revoked key
    changes nothing and is not audited again."""
    with transaction.atomic():
        key = NetworkApiKey.objects.select_for_update().filter(pk=key_id).first()
        if key is None:
            raise NetworkApiKeyNotFound()
        if key.revoked_at is not None:
            return key
        key.revoked_at = timezone.now()
        key.revoked_by = staff if getattr(staff, "pk", None) else None
        key.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=staff,
            action="networkapikey.revoke",
            obj=key,
            details={"prefix": key.prefix},
            ip_address=ip_address,
        )
    return key
