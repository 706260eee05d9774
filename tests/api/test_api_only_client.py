"""A client that knows roamcard only through its published OpenAPI schema can order, pay and
see the result, against a live server.

The client below reads /api/v1/openapi.json and calls nothing the schema does not describe:
each operation is looked up by path and method, its path parameters, query parameters and
request body are checked against the schema before the request goes out, and the answer's
status must be one the operation documents. Paying is done the way a browser does it: the
sandbox gateway's hosted page (`redirect_url`) is a plain HTML form."""

import time
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.testing import GIB, make_bucket, make_card, make_plan, make_region, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Api-only-client-7"


class SchemaClient:
    """Calls operations of the published schema, and only those, with requests it shapes."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        answer = self.http.get(f"{base_url}/api/v1/openapi.json", timeout=10)
        assert answer.status_code == 200
        self.schema = answer.json()
        self.token = ""

    def component(self, ref_or_schema: dict) -> dict:
        ref = ref_or_schema.get("$ref")
        if ref is None:
            return ref_or_schema
        node: Any = self.schema
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def operation(self, method: str, path: str) -> dict:
        operations = self.schema["paths"].get(path)
        assert operations and method in operations, f"the schema has no {method.upper()} {path}"
        return operations[method]

    def call(
        self,
        method: str,
        path: str,
        *,
        path_params: dict | None = None,
        query: dict | None = None,
        body: dict | None = None,
    ) -> tuple[int, dict]:
        operation = self.operation(method, path)
        declared = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        for name in path_params or {}:
            assert ("path", name) in declared, f"{path} declares no path parameter {name}"
        for name in query or {}:
            assert ("query", name) in declared, f"{path} declares no query parameter {name}"
        if body is not None:
            body_schema = self.component(
                operation["requestBody"]["content"]["application/json"]["schema"]
            )
            assert set(body) <= set(body_schema["properties"]), body_schema
            assert set(body_schema.get("required", [])) <= set(body), body_schema
        headers = {"Accept": "application/json"}
        schemes = {name for requirement in operation.get("security", []) for name in requirement}
        if schemes:
            bearer = [
                name
                for name in schemes
                if self.schema["components"]["securitySchemes"][name].get("scheme") == "bearer"
            ]
            assert bearer, f"{path} offers no bearer authentication"
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.base_url + path.format(**(path_params or {}))
        answer = self.http.request(
            method, url, params=query, json=body, headers=headers, timeout=30
        )
        assert str(answer.status_code) in operation["responses"], (
            f"{method.upper()} {path} answered {answer.status_code}, not documented: "
            f"{answer.text[:500]}"
        )
        return answer.status_code, answer.json() if answer.content else {}

    def required_fields(self, schema_name: str) -> set[str]:
        return set(self.schema["components"]["schemas"][schema_name].get("required", []))


class FormReader(HTMLParser):
    """The first form of a page: where it posts, and its fields with their values."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = attributes.get("action", "")
            self._in_form = True
        elif tag == "input" and self._in_form and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def pay_like_a_browser(redirect_url: str, *, card_number: str) -> None:
    """Open the hosted pay page, fill in the card and submit, following redirects."""
    browser = requests.Session()
    page = browser.get(redirect_url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    form = FormReader()
    form.feed(page.text)
    assert form.action is not None, "the pay page has no form"
    assert "number" in form.fields, form.fields
    fields = {**form.fields, "number": card_number, "expiry": "12/34"}
    submitted = browser.post(
        urljoin(page.url, form.action), data=fields, headers={"Referer": page.url}, timeout=30
    )
    assert submitted.status_code < 400, submitted.text[:500]


@pytest.fixture
def sandbox_calls_us_back(settings, live_server):
    """The sandbox's signed notification is posted to the live server."""
    settings.PAYMENT_METHOD_GATEWAYS = {
        "card": "sandbox",
        "alipay": "sandbox",
        "wechat_pay": "sandbox",
    }
    settings.PUBLIC_BASE_URL = live_server.url
    reset_gateway_cache()
    yield live_server
    reset_gateway_cache()


@pytest.fixture
def traveller_with_card():
    """Set-up only: the client itself touches nothing but the API."""
    europe = make_region()
    traveller = make_user(email="api.only@example.com", password=PASSWORD)
    card = make_card(owner=traveller, region=europe, label="Lisbon")
    make_bucket(card=card, bytes_granted=GIB, bytes_remaining=GIB // 2, days=3)
    make_plan(region=europe, name="Europe 5 GB", data_bytes=5 * GIB, days=30, kind="month",
              prices={"USD": 1990, "EUR": 1790})  # fmt: skip
    return traveller


def test_the_plans_of_a_card_say_which_id_to_order(sandbox_calls_us_back, traveller_with_card):
    client = SchemaClient(sandbox_calls_us_back.url)
    assert "id" in client.required_fields("PlanOut")
    assert "plan_id" in client.required_fields("OrderCreateIn")


def test_an_api_only_client_orders_pays_and_sees_the_new_balance(
    sandbox_calls_us_back, traveller_with_card
):
    client = SchemaClient(sandbox_calls_us_back.url)

    status, token = client.call(
        "post", "/api/v1/auth/token", body={"login": "api.only@example.com", "password": PASSWORD}
    )
    assert status == 201
    client.token = token["token"]

    status, cards = client.call("get", "/api/v1/cards")
    assert status == 200
    [card] = cards["cards"]

    status, offer = client.call(
        "get",
        "/api/v1/cards/{card_id}/plans",
        path_params={"card_id": card["id"]},
        query={"currency": "EUR"},
    )
    assert status == 200
    [plan] = offer["plans"]
    assert plan["price"] == {"amount_minor": 1790, "currency": "EUR", "formatted": "€17.90"}

    status, order = client.call(
        "post",
        "/api/v1/orders",
        body={"card_id": card["id"], "plan_id": plan["id"], "currency": plan["price"]["currency"]},
    )
    assert status == 201
    assert order["state"] == "pending_payment"
    assert order["amount"]["amount_minor"] == 1790

    status, payment = client.call(
        "post",
        "/api/v1/orders/{public_id}/payments",
        path_params={"public_id": order["id"]},
        body={"method": "card"},
    )
    assert status == 201
    assert payment["redirect_url"]

    pay_like_a_browser(payment["redirect_url"], card_number="4242 4242 4242 4242")

    deadline = time.monotonic() + 30
    while True:
        status, order = client.call(
            "get", "/api/v1/orders/{public_id}", path_params={"public_id": order["id"]}
        )
        assert status == 200
        if order["state"] == "fulfilled" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert order["state"] == "fulfilled", order
    assert order["payments"][0]["state"] == "succeeded"
    # Renewed early: by default the new 5 GB queue after the half GB still live
    # (docs/decisions/0003), for exactly the plan's days.
    assert order["starts"] == "queued"
    renewal = order["renewal"]
    assert renewal["bytes_remaining"] == GIB // 2
    valid_from = datetime.fromisoformat(renewal["order_valid_from"])
    valid_until = datetime.fromisoformat(renewal["order_valid_until"])
    assert valid_until - valid_from == timedelta(days=plan["validity_days"])

    status, card_after = client.call(
        "get", "/api/v1/cards/{card_id}", path_params={"card_id": card["id"]}
    )
    assert status == 200
    assert card_after["data"]["bytes_remaining"] == renewal["bytes_remaining"]
    assert card_after["valid_until"] == renewal["valid_until"]
    [line] = card_after["balances"]
    [upcoming] = line["upcoming"]
    assert upcoming["starts"] == "queued" and upcoming["bytes_granted"] == 5 * GIB
