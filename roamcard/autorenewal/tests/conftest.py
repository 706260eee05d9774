import pytest

from roamcard.testing import make_card, make_plan, make_region, make_user

from .helpers import GIB


@pytest.fixture
def europe(db):
    return make_region(code="europe-33", name="Europe", countries=("FR", "DE", "IT"))


@pytest.fixture
def traveller(db):
    return make_user(
        email="wanderer@example.com",
        phone="+85261234567",
        phone_verified=True,
        preferred_language="en",
        time_zone="Asia/Hong_Kong",
    )


@pytest.fixture
def card(traveller, europe):
    return make_card(region=europe, owner=traveller, label="Europe trip")


@pytest.fixture
def plan(europe):
    return make_plan(
        region=europe,
        name="Europe 5 GB",
        data_bytes=5 * GIB,
        days=7,
        prices={"CNY": 6800, "USD": 949},
    )
