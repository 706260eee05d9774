from datetime import timedelta

from django.utils import timezone

from roamcard.core.bearer import bearer_secret_hash, bearer_secret_matches

from .models import NetworkApiKey
from .services import NETWORK_KEY_PREFIX

# How stale `last_used_at` may get before a request refreshes it: one write per key per
# interval instead of one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def network_api_key_authenticate(*, secret: str, scope: str) -> NetworkApiKey | None:
    """The live key for a secret, or None when it is unknown, revoked or lacks the scope."""
    if not secret.startswith(NETWORK_KEY_PREFIX) or len(secret) > 100:
        return None
    hashed = bearer_secret_hash(secret)
    key = NetworkApiKey.objects.filter(secret_hash=hashed, revoked_at__isnull=True).first()
    if key is None:
        return None
    # Found by the hash's index; compared again in constant time all the same.
    if not bearer_secret_matches(secret, key.secret_hash) or key.scope != scope:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        NetworkApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
