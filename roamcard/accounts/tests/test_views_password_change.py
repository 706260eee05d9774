import pytest
from django.urls import reverse

from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-roaming-77"


def test_change_password_then_log_in_with_it(client):
    user = make_user(email="alice@example.com")
    client.force_login(user)

    page = client.get(reverse("account_change_password"))
    assert page.status_code == 200
    assert 'class="card form"' in page.content.decode()
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "Secret-pass-42", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert "_auth_user_id" in client.session  # still logged in
    client.logout()
    client.post(reverse("account_login"), {"login": "alice@example.com", "password": NEW_PASSWORD})
    assert "_auth_user_id" in client.session


def test_the_old_password_must_be_right(client):
    user = make_user(email="alice@example.com")
    client.force_login(user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong-one", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["oldpassword"]
    user.refresh_from_db()
    assert user.check_password("Secret-pass-42")
