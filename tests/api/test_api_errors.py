"""One error shape for every failure in the API, the session's CSRF rule, the docs page."""

import re

import pytest
from django.test import Client

from roamcard.accounts.tokens import api_token_create
from roamcard.testing import make_card

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/", "/api/v1/cards/1/nope/deeper"])
def test_unknown_routes_are_404_in_the_error_shape(client, path):
    assert_error_shape(client.get(path), 404, "not_found")


def test_a_method_a_route_does_not_allow_is_405_in_the_error_shape(client):
    response = client.put("/api/v1/health")

    assert_error_shape(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_no_credentials_is_401(client):
    response = client.get("/api/v1/cards")

    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_body_that_is_not_json_is_invalid_input(client, traveller):
    _, token = api_token_create(user=traveller)

    response = client.post(
        "/api/v1/cards",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    error = assert_error_shape(response, 422, "invalid_input")
    assert list(error["fields"]) == ["__all__"]


def test_an_unexpected_exception_is_500_without_a_traceback(client, traveller, monkeypatch, caplog):
    _, token = api_token_create(user=traveller)

    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("roamcard.cards.api.card_list_for", explode)

    response = client.get("/api/v1/cards", headers={"Authorization": f"Bearer {token}"})

    assert_error_shape(response, 500, "server_error")
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
    assert "secret internals" in caplog.text  # logged for us


def test_health_needs_no_credentials_and_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- Language ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja"])
def test_errors_keep_their_shape_and_code_in_every_language(client, language):
    response = client.get("/api/v1/cards", HTTP_ACCEPT_LANGUAGE=language)

    assert_error_shape(response, 401, "not_authenticated")
    assert response["Content-Language"] == language


def test_validation_messages_follow_accept_language(client, traveller):
    client.force_login(traveller)
    english = client.get("/api/v1/cards/1/plans?currency=XYZ", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/api/v1/cards/1/plans?currency=XYZ", HTTP_ACCEPT_LANGUAGE="zh-hans")

    for response in (english, chinese):
        error = assert_error_shape(response, 422, "invalid_input")
        assert list(error["fields"]) == ["currency"]
    assert chinese["Content-Language"] == "zh-hans"


# --- Session authentication and CSRF --------------------------------------------------------


@pytest.fixture
def browser(traveller):
    """A logged-in web session that enforces CSRF as a browser would meet it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(traveller)
    client.get("/api/v1/docs")  # sets the CSRF cookie, as any of our pages would
    return client


def test_session_reads_need_no_csrf_token(browser, traveller):
    card = make_card(owner=traveller)

    assert browser.get(f"/api/v1/cards/{card.pk}").status_code == 200


def test_session_writes_without_csrf_token_are_refused(browser, traveller):
    card = make_card(owner=traveller)

    response = browser.delete(f"/api/v1/cards/{card.pk}")

    assert_error_shape(response, 403, "csrf_failed")
    card.refresh_from_db()
    assert card.owner == traveller


def test_session_writes_with_the_csrf_token_pass(browser, traveller):
    card = make_card(owner=traveller)
    csrf_token = browser.cookies["csrftoken"].value

    response = browser.delete(f"/api/v1/cards/{card.pk}", headers={"X-CSRFToken": csrf_token})

    assert response.status_code == 204


def test_bearer_token_writes_need_no_csrf_token(traveller):
    card = make_card(owner=traveller)
    _, token = api_token_create(user=traveller)
    client = Client(enforce_csrf_checks=True)

    response = client.delete(
        f"/api/v1/cards/{card.pk}", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 204


def test_unsafe_request_without_any_session_is_401_not_403():
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/cards", {}, content_type="application/json"
    )

    assert_error_shape(response, 401, "not_authenticated")


# --- Schema and docs ---------------------------------------------------------------------------


def test_the_schema_describes_the_error_shape_and_both_ways_to_authenticate(client):
    schema = client.get("/api/v1/openapi.json").json()

    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {"error"}
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
    card_detail = schema["paths"]["/api/v1/cards/{card_id}"]["get"]
    assert {"200", "401", "404", "422"} <= set(card_detail["responses"])
    assert "/api/v1/health" in schema["paths"]
    assert "error" in schema["info"]["description"]


def test_the_docs_page_loads_nothing_from_elsewhere(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert urls and all(url.startswith("/static/") for url in urls)
    assert '"validatorUrl": null' in html
