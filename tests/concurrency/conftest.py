"""Exactly-once under real concurrency: threads (and killed processes) against PostgreSQL.

Skipped on SQLite: SQLite lets one writer in at a time (our transactions are BEGIN
IMMEDIATE), so the interleavings these tests are about cannot happen there. Run them with
DATABASE_URL=postgres://... (CI does)."""

from pathlib import Path

import pytest
from django.conf import settings

from roamcard.core import tasks as core_tasks
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.provisioning.network import get_network
from roamcard.renewals.services import PROVISION_JOB, renewal_payment_sync
from roamcard.testing import GIB, make_card, make_plan, make_region, make_user
from tests.flows.helpers import pay_with, start_card_payment

from .racing import SlowNetwork

HERE = Path(__file__).resolve().parent

SQLITE_SKIP_REASON = (
    "needs PostgreSQL: SQLite serialises writers (one BEGIN IMMEDIATE transaction at a time), "
    "so concurrent writers cannot race there; set DATABASE_URL=postgres://... to run these"
)


def pytest_collection_modifyitems(config, items):
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason=SQLITE_SKIP_REASON)
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture
def renewal_setup(db):
    """A traveller with a bound Europe card and a 5 GB / 7 day plan priced in CNY."""
    region = make_region(code="europe-33", name="Europe", countries=("FR", "DE", "IT"))
    traveller = make_user(email="racer@example.com", phone="+85261234567", preferred_language="en")
    card = make_card(region=region, owner=traveller)
    plan = make_plan(region=region, data_bytes=5 * GIB, days=7, prices={"CNY": 6800})
    return traveller, card, plan


@pytest.fixture
def slow_network(settings):
    settings.NETWORK = {"ADAPTER": f"{SlowNetwork.__module__}.SlowNetwork", "OPTIONS": {}}
    SlowNetwork.calls, SlowNetwork.die_after_applying = 0, False
    get_network.cache_clear()
    yield SlowNetwork
    get_network.cache_clear()


@pytest.fixture
def pay_without_provisioning(monkeypatch):
    """Pay an order (and return to the site) while no worker takes provisioning jobs: the
    order is paid, its job recorded and left pending, as when the worker died."""

    def pay(traveller, card, plan):
        with monkeypatch.context() as patch:
            patch.setitem(core_tasks._JOBS, PROVISION_JOB, lambda job_id: None)
            order, payment = start_card_payment(traveller, card, plan)
            pay_with(payment)
            renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
        order.refresh_from_db()
        assert order.state == OrderState.PAID
        return order, payment

    return pay


@pytest.fixture
def paid_with_job_never_run(renewal_setup, pay_without_provisioning):
    traveller, card, plan = renewal_setup
    order, payment = pay_without_provisioning(traveller, card, plan)
    return order, payment, card
