"""The network's API keys: issued in the back office and shown once, stored hashed,
scoped, revocable at once, audited without the secret, and kept apart from travellers'
tokens."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from ninja import NinjaAPI
from ninja.testing import TestClient

from roamcard.accounts.tokens import api_token_create
from roamcard.core.api import render_domain_error
from roamcard.core.errors import DomainError, InvalidInput
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import make_staff
from roamcard.testing import make_user
from roamcard.usage.api_auth import NetworkKeyAuth
from roamcard.usage.models import NetworkApiKey
from roamcard.usage.selectors import network_api_key_authenticate
from roamcard.usage.services import network_api_key_issue, network_api_key_revoke

pytestmark = pytest.mark.django_db

USAGE_WRITE = NetworkApiKey.Scope.USAGE_WRITE


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def issue(staff, name: str = "Operator X usage feed") -> tuple[NetworkApiKey, str]:
    return network_api_key_issue(name=name, scope=USAGE_WRITE, staff=staff, ip_address=None)


@pytest.fixture
def network_client() -> TestClient:
    """A tiny API behind NetworkKeyAuth, with the project's error shape; test-only."""
    api = NinjaAPI(urls_namespace="netkeys-test", auth=NetworkKeyAuth(scope=USAGE_WRITE))

    @api.exception_handler(DomainError)
    def _domain_error(request, exc):
        return render_domain_error(exc)

    @api.post("/echo")
    def echo(request):
        return {"key": request.auth.name, "same": request.auth is request.network_api_key}

    return TestClient(api)


def test_staff_issue_a_key_in_the_back_office_and_see_its_secret_once(staff_client, staff):
    changelist = staff_client.get(reverse("admin:usage_networkapikey_changelist"))
    assert "Issue a key" in changelist.content.decode()
    add_url = reverse("admin:usage_networkapikey_add")
    assert staff_client.get(add_url).status_code == 200

    response = staff_client.post(
        add_url,
        {"name": "Operator X usage feed", "scope": "usage:write"},
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    secret = re.search(r"rcn_[A-Za-z0-9_-]{40,}", page).group(0)
    assert "will not be shown again" in page
    key = NetworkApiKey.objects.get()
    assert key.name == "Operator X usage feed" and key.created_by == staff
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.prefix == secret[:8] and secret not in (key.prefix, key.secret_hash)
    # Not on the list, nor on the key's page.
    listed = staff_client.get(reverse("admin:usage_networkapikey_changelist")).content.decode()
    assert key.prefix in listed and secret not in listed
    detail = staff_client.get(reverse("admin:usage_networkapikey_change", args=[key.pk]))
    assert detail.status_code == 200 and secret not in detail.content.decode()
    event = AuditEvent.objects.get(action="networkapikey.issue")
    assert event.actor == staff and event.ip_address == "203.0.113.9"
    assert event.object_id == str(key.pk)
    assert secret not in str(event.details) and key.secret_hash not in str(event.details)
    assert network_api_key_authenticate(secret=secret, scope=USAGE_WRITE) == key


def test_a_key_without_a_name_is_refused_in_the_form_and_nothing_is_issued(staff_client):
    response = staff_client.post(
        reverse("admin:usage_networkapikey_add"), {"name": "  ", "scope": "usage:write"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not NetworkApiKey.objects.exists()


def test_staff_without_the_add_permission_cannot_issue_a_key(client, db):
    viewer = make_staff(superuser=False, email="viewer@example.com")
    client.force_login(viewer)

    response = client.post(
        reverse("admin:usage_networkapikey_add"), {"name": "Feed", "scope": "usage:write"}
    )

    assert response.status_code == 403
    assert not NetworkApiKey.objects.exists()


def test_the_service_refuses_a_blank_name_or_an_unknown_scope(staff):
    with pytest.raises(InvalidInput) as refused:
        network_api_key_issue(name="", scope="usage:read", staff=staff, ip_address=None)

    assert set(refused.value.fields) == {"name", "scope"}
    assert not NetworkApiKey.objects.exists()


def test_revoking_in_the_back_office_asks_first_then_refuses_the_key_at_once(
    staff_client, staff, network_client
):
    key, secret = issue(staff)
    assert network_client.post("/echo", headers=bearer(secret)).status_code == 200
    changelist = reverse("admin:usage_networkapikey_changelist")
    chosen = {"action": "revoke", "_selected_action": [key.pk]}

    asked = staff_client.post(changelist, chosen)

    assert asked.status_code == 200 and "Yes, revoke" in asked.content.decode()
    assert network_client.post("/echo", headers=bearer(secret)).status_code == 200

    done = staff_client.post(changelist, {**chosen, "confirm": "yes"})

    assert done.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == staff
    assert network_client.post("/echo", headers=bearer(secret)).status_code == 401
    assert network_api_key_authenticate(secret=secret, scope=USAGE_WRITE) is None
    event = AuditEvent.objects.get(action="networkapikey.revoke")
    assert event.object_id == str(key.pk) and secret not in str(event.details)


def test_staff_who_may_only_view_keys_cannot_revoke_them(client, staff):
    from django.contrib.auth.models import Permission

    key, _secret = issue(staff)
    viewer = make_staff(superuser=False, email="viewer@example.com")
    viewer.user_permissions.add(Permission.objects.get(codename="view_networkapikey"))
    client.force_login(viewer)

    client.post(
        reverse("admin:usage_networkapikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk], "confirm": "yes"},
    )

    key.refresh_from_db()
    assert key.revoked_at is None


def test_revoking_twice_changes_nothing_the_second_time(staff):
    key, _secret = issue(staff)
    first = network_api_key_revoke(key_id=key.pk, staff=staff, ip_address=None)

    second = network_api_key_revoke(key_id=key.pk, staff=staff, ip_address=None)

    assert second.revoked_at == first.revoked_at
    assert AuditEvent.objects.filter(action="networkapikey.revoke").count() == 1


def test_a_key_is_refused_for_a_scope_it_was_not_issued_for(staff):
    _key, secret = issue(staff)

    assert network_api_key_authenticate(secret=secret, scope="usage:read") is None
    assert network_api_key_authenticate(secret=secret + "x", scope=USAGE_WRITE) is None
    assert network_api_key_authenticate(secret="", scope=USAGE_WRITE) is None


def test_last_used_is_written_at_most_once_a_minute(staff):
    key, secret = issue(staff)

    network_api_key_authenticate(secret=secret, scope=USAGE_WRITE)
    key.refresh_from_db()
    first = key.last_used_at
    network_api_key_authenticate(secret=secret, scope=USAGE_WRITE)
    key.refresh_from_db()
    assert first is not None and key.last_used_at == first

    NetworkApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    network_api_key_authenticate(secret=secret, scope=USAGE_WRITE)
    key.refresh_from_db()
    assert key.last_used_at > first - timedelta(seconds=1)


def test_the_network_auth_passes_a_key_and_refuses_anything_else_with_a_401(staff, network_client):
    _key, secret = issue(staff)
    traveller = make_user(email="alice@example.com")
    _token, user_token = api_token_create(user=traveller)

    ok = network_client.post("/echo", headers=bearer(secret))
    assert ok.status_code == 200 and ok.json() == {"key": "Operator X usage feed", "same": True}

    for headers in ({}, bearer(user_token), bearer("rcn_not-a-key"), {"Authorization": secret}):
        refused = network_client.post("/echo", headers=headers)
        assert refused.status_code == 401, headers
        error = refused.json()["error"]
        assert error["code"] == "not_authenticated"
        assert "network API key" in error["message"]
        assert refused["WWW-Authenticate"].startswith("Bearer")


def test_the_401_is_in_the_callers_language(staff, network_client):
    with translation.override("ja"):
        refused = network_client.post("/echo")

    assert refused.status_code == 401
    assert "ネットワーク API キー" in refused.json()["error"]["message"]


def test_a_network_key_does_not_pass_the_travellers_authentication(client, staff):
    _key, secret = issue(staff)

    response = client.get("/api/v1/me", headers=bearer(secret))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_key_revoked_or_used_long_ago_is_told_apart_on_the_list(staff_client, staff):
    live, _ = issue(staff, name="Live feed")
    old, _ = issue(staff, name="Old feed")
    network_api_key_revoke(key_id=old.pk, staff=staff, ip_address=None)
    NetworkApiKey.objects.filter(pk=live.pk).update(last_used_at=timezone.now())

    page = staff_client.get(reverse("admin:usage_networkapikey_changelist")).content.decode()

    assert "Live feed" in page and "Old feed" in page
    assert old.prefix in page and live.prefix in page
