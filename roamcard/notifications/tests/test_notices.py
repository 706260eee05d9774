"""Notices in the app: the page (newest first, mark read, all read, open), the count in the
header, and the API; each traveller sees and marks only their own."""

import pytest
from django.urls import reverse
from django.utils import timezone

from roamcard.accounts.tokens import api_token_create
from roamcard.notifications.models import Notice

pytestmark = pytest.mark.django_db


def notice(user, title: str, *, read: bool = False, link: str = "/cards/") -> Notice:
    return Notice.objects.create(
        user=user,
        kind="usage_data_low",
        title=title,
        body=f"{title}: the text.",
        link=link,
        read_at=timezone.now() if read else None,
    )


def bearer(user) -> str:
    return api_token_create(user=user, name="phone")[1]


@pytest.fixture
def signed_in(client, traveller):
    client.force_login(traveller)
    return client


def test_the_page_lists_my_notices_newest_first(signed_in, traveller, other_traveller):
    notice(traveller, "First")
    notice(traveller, "Second", read=True)
    notice(other_traveller, "Someone else's")

    page = signed_in.get(reverse("notices:list")).content.decode()

    assert page.index("Second") < page.index("First")
    assert "Someone else&#x27;s" not in page and "Someone else's" not in page
    assert "Mark all as read" in page


def test_the_header_counts_unread_notices(signed_in, traveller):
    notice(traveller, "First")
    notice(traveller, "Second")
    notice(traveller, "Old", read=True)

    page = signed_in.get(reverse("cards:list")).content.decode()

    assert 'class="count-badge" aria-hidden="true">2<' in page
    assert "Notices: 2 unread" in page


def test_the_header_shows_no_count_when_everything_is_read(signed_in, traveller):
    notice(traveller, "Old", read=True)

    page = signed_in.get(reverse("cards:list")).content.decode()

    assert "count-badge" not in page
    assert reverse("notices:list") in page


def test_a_visitor_has_no_notices_link(client):
    assert reverse("notices:list") not in client.get("/").content.decode()


def test_marking_one_read(signed_in, traveller):
    first = notice(traveller, "First")

    response = signed_in.post(reverse("notices:read", args=[first.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("notices:list")
    first.refresh_from_db()
    assert first.read_at is not None


def test_opening_a_notice_marks_it_read_and_goes_where_it_points(signed_in, traveller):
    first = notice(traveller, "First", link="/cards/12/plans/")

    response = signed_in.post(reverse("notices:read", args=[first.pk]), {"open": ""})

    assert response["Location"] == "/cards/12/plans/"
    first.refresh_from_db()
    assert first.read_at is not None


def test_opening_never_leaves_the_site(signed_in, traveller):
    first = notice(traveller, "First", link="https://evil.example/")

    response = signed_in.post(reverse("notices:read", args=[first.pk]), {"open": ""})

    assert response["Location"] == reverse("notices:list")


def test_marking_all_read(signed_in, traveller, other_traveller):
    notice(traveller, "First")
    notice(traveller, "Second")
    theirs = notice(other_traveller, "Theirs")

    signed_in.post(reverse("notices:read_all"))

    assert not Notice.objects.filter(user=traveller, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_someone_elses_notice_is_not_found(signed_in, other_traveller):
    theirs = notice(other_traveller, "Theirs")

    response = signed_in.post(reverse("notices:read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_pages_need_a_signed_in_traveller(client):
    assert client.get(reverse("notices:list")).status_code == 302
    assert client.post(reverse("notices:read_all")).status_code == 302


def test_the_page_pages(signed_in, traveller):
    for n in range(25):
        notice(traveller, f"Notice number {n:02d}")

    first = signed_in.get(reverse("notices:list")).content.decode()
    second = signed_in.get(reverse("notices:list") + "?page=2").content.decode()

    assert "Notice number 24" in first and "Notice number 04" not in first
    assert "Notice number 04" in second and "Notice number 05" not in second


# --- API ---------------------------------------------------------------------------


def test_api_lists_my_notices_with_the_unread_count(signed_in, traveller, other_traveller):
    first = notice(traveller, "First")
    notice(traveller, "Second", read=True)
    notice(other_traveller, "Theirs")

    body = signed_in.get("/api/v1/me/notices").json()

    assert body["unread"] == 1
    assert [n["title"] for n in body["notices"]] == ["Second", "First"]
    assert body["notices"][1] == {
        "id": first.pk,
        "kind": "usage_data_low",
        "title": "First",
        "body": "First: the text.",
        "link": "/cards/",
        "created_at": body["notices"][1]["created_at"],
        "read_at": None,
    }
    assert body["next_before"] is None


def test_api_pages_by_id(signed_in, traveller):
    made = [notice(traveller, f"N{n}") for n in range(5)]

    page = signed_in.get("/api/v1/me/notices?limit=2").json()
    assert [n["title"] for n in page["notices"]] == ["N4", "N3"]
    assert page["next_before"] == made[3].pk

    last = signed_in.get(f"/api/v1/me/notices?limit=3&before={made[3].pk}").json()
    assert [n["title"] for n in last["notices"]] == ["N2", "N1", "N0"]
    assert last["next_before"] is None


def test_api_marks_one_read(client, traveller):
    raw = bearer(traveller)
    first = notice(traveller, "First")
    headers = {"Authorization": f"Bearer {raw}"}

    body = client.post(f"/api/v1/me/notices/{first.pk}/read", headers=headers).json()

    assert body["id"] == first.pk and body["read_at"] is not None
    again = client.post(f"/api/v1/me/notices/{first.pk}/read", headers=headers).json()
    assert again["read_at"] == body["read_at"]


def test_api_marks_all_read(client, traveller):
    raw = bearer(traveller)
    notice(traveller, "First")
    notice(traveller, "Second")
    headers = {"Authorization": f"Bearer {raw}"}

    assert client.post("/api/v1/me/notices/read-all", headers=headers).json() == {"marked": 2}
    assert client.get("/api/v1/me/notices", headers=headers).json()["unread"] == 0


def test_api_someone_elses_notice_is_not_found(client, traveller, other_traveller):
    raw = bearer(traveller)
    theirs = notice(other_traveller, "Theirs")

    response = client.post(
        f"/api/v1/me/notices/{theirs.pk}/read", headers={"Authorization": f"Bearer {raw}"}
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "notice_not_found"


def test_api_needs_authentication(client):
    response = client.get("/api/v1/me/notices")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
