"""Run by the deploy tests in a process of its own, under the settings being tested:
`python -m tests.deploy.site_probe < requests.json`.

It puts a small site in the database (a traveller with a bound card, a plan, an order
waiting for payment, an API token; a member of staff with an authenticator app), then makes
each request through Django's test client, exactly as the WSGI handler would serve it, and
prints one line: MARKER followed by a JSON list of what each request got back.

A request is a dict: method (GET), path, as (who is logged in: None, "traveller", "staff"
or "staff_without_mfa"), secure (True), headers ({"X-Forwarded-Proto": "https"}), data
(form fields), json (a JSON body). The path may hold {order}, {card} and {charge}: the
order's public id, the card's id and the id of a charge waiting at the sandbox."""

import json
import sys

MARKER = "SITE-PROBE-RESULT "
HOST = "example.org"
KEPT_HEADERS = (
    "Location",
    "Content-Type",
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
)


def _site() -> dict:
    from roamcard.accounts.tokens import api_token_create
    from roamcard.core.tests.staff import make_staff
    from roamcard.orders.services import order_create
    from roamcard.sandbox.services import sandbox_charge_create
    from roamcard.testing import make_card, make_plan, make_user

    traveller = make_user(email="traveller@example.org")
    card = make_card(owner=traveller)
    plan = make_plan(region=card.region)
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    _, token = api_token_create(user=traveller)
    # A charge waiting at the sandbox, as one started before the sandbox was switched off.
    charge = sandbox_charge_create(
        merchant_payment_id="probe-payment",
        amount_minor=990,
        currency="USD",
        method="card",
        description="probe",
        return_url=f"https://{HOST}/",
        notify_url=f"https://{HOST}/payments/webhooks/sandbox/",
    )
    return {
        "traveller": traveller,
        "staff": make_staff(email="staff@example.org"),
        "staff_without_mfa": make_user(
            email="new-staff@example.org", is_staff=True, is_superuser=True
        ),
        "token": token,
        "names": {"order": str(order.public_id), "card": str(card.pk), "charge": charge.id},
    }


def _answer(site: dict, request: dict) -> dict:
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    headers = dict(request.get("headers") or {})
    who = request.get("as")
    if who == "traveller" and request["path"].startswith("/api/"):
        headers["Authorization"] = f"Bearer {site['token']}"
    elif who:
        client.force_login(site[who])
    path = request["path"].format(**site["names"])
    method = request.get("method", "GET").lower()
    extra = {"secure": request.get("secure", True), "headers": headers}
    if "json" in request:
        response = getattr(client, method)(
            path, data=json.dumps(request["json"]), content_type="application/json", **extra
        )
    else:
        response = getattr(client, method)(path, data=request.get("data"), **extra)
    body = b"".join(response) if response.streaming else response.content
    return {
        "status": response.status_code,
        "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        "body": body.decode("utf-8", "replace"),
    }


def main() -> int:
    import django

    django.setup()
    requests = json.loads(sys.stdin.read())
    site = _site()
    print(MARKER + json.dumps([_answer(site, request) for request in requests]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
