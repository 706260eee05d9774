"""Exactly-once under real concurrency: threads (and killed processes) against PostgreSQL.

Skipped on SQLite: SQLite lets one writer in at a time (our transactions are BEGIN
IMMEDIATE), so the interleavings these tests are about cannot happen there. Run them with
DATABASE_URL=postgres://... (CI does)."""

from pathlib import Path

import pytest
from django.conf import settings

from roamcard.core.testing import GIB, make_card, make_plan, make_region, make_user

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
