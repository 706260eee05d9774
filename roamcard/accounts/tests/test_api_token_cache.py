"""A token checked a moment ago costs no query, and whatever ends it takes effect on the
very next request: logout, a revocation from the devices page or the back office, a new
password, deactivation, deletion, expiry; also when another process revokes it."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from roamcard.accounts.models import ApiToken
from roamcard.accounts.tokens import (
    STAMPS,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    api_token_revoke_for,
)
from roamcard.core.stamps import stamps_for

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def kept(client, traveller):
    """A token this process has read twice, so that it now keeps it."""
    stored, token = api_token_create(user=traveller)
    for _ in range(2):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    return stored, token


def refused(client, token: str) -> bool:
    response = client.get("/api/v1/me", headers=bearer(token))
    if response.status_code == 401:
        assert response.json()["error"]["code"] == "not_authenticated"
        return True
    assert response.status_code == 200
    return False


def test_a_kept_token_costs_no_query(kept, django_assert_num_queries):
    _, token = kept

    with django_assert_num_queries(0):
        assert api_token_authenticate(raw_token=token) is not None


def test_each_request_gets_its_own_user_object(kept):
    _, token = kept

    first = api_token_authenticate(raw_token=token)
    first.user.preferred_language = "ko"  # a request changing its copy, unsaved
    second = api_token_authenticate(raw_token=token)

    assert second.user is not first.user
    assert second.user.preferred_language == "en"


def test_logging_out_is_refused_on_the_very_next_request(client, kept):
    _, token = kept

    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204

    assert refused(client, token)


def test_revoking_one_token_from_the_devices_page_is_immediate(client, traveller, kept):
    stored, token = kept
    _, other = api_token_create(user=traveller)

    api_token_revoke_for(user=traveller, token_id=stored.pk)

    assert refused(client, token)
    assert not refused(client, other)


def test_a_staff_revocation_is_immediate(client, kept):
    stored, token = kept

    api_token_revoke(token=stored)

    assert refused(client, token)


def test_a_new_password_revokes_at_once(client, traveller, kept):
    _, token = kept

    traveller.set_password("A-brand-new-secret-9")
    traveller.save()

    assert refused(client, token)


def test_deleting_the_token_or_its_user_is_immediate(client, traveller, kept):
    stored, token = kept
    _, other = api_token_create(user=traveller)
    assert not refused(client, other) and not refused(client, other)  # kept too

    stored.delete()
    assert refused(client, token)

    traveller.delete()
    assert refused(client, other)


def test_deactivating_the_user_is_immediate(client, traveller, kept):
    _, token = kept

    traveller.is_active = False
    traveller.save()

    assert refused(client, token)


def test_a_new_language_is_used_at_once(client, traveller, kept):
    _, token = kept

    traveller.preferred_language = "ja"
    traveller.save()

    response = client.get("/api/v1/cards/999999", headers=bearer(token))
    assert response.json()["error"]["message"] == "カードが見つかりません。"


def test_expiry_is_honoured_by_a_kept_token(client, kept):
    stored, token = kept

    with time_machine.travel(stored.expires_at + timedelta(seconds=1)):
        assert refused(client, token)


@override_settings(API_TOKEN_CACHE_SECONDS=0)
def test_with_the_cache_off_every_request_reads_the_token(traveller, django_assert_num_queries):
    _, token = api_token_create(user=traveller)
    api_token_authenticate(raw_token=token)  # writes last_used_at

    for _ in range(2):
        with django_assert_num_queries(1):
            assert api_token_authenticate(raw_token=token) is not None


def test_a_revocation_written_by_another_process_is_seen_at_once(client, traveller, kept):
    """Another process revokes: its row in the database, its stamp in the shared store
    (the memory-mapped file on SQLite, Redis when REDIS_URL is set). Here the row is written
    as that process would, and the stamp is bumped by a real separate Python process."""
    stored, token = kept
    ApiToken.objects.filter(pk=stored.pk).update(revoked_at=timezone.now())
    assert not refused(client, token)  # this process still holds its copy: no stamp bumped

    script = (
        "import sys, django; django.setup();"
        "from django.core.cache import cache; cache.key_prefix = sys.argv[1];"
        "from roamcard.core.stamps import stamps_for;"
        "stamps_for(sys.argv[2]).bump(int(sys.argv[3]))"
    )
    subprocess.run(
        [sys.executable, "-c", script, cache.key_prefix, STAMPS, str(traveller.pk)],
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        timeout=60,
    )

    assert refused(client, token)


def test_the_stamps_are_shared_by_every_process_of_this_stack():
    assert stamps_for(STAMPS) is not None
