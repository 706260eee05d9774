"""Fixtures shared by every app's tests."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate limits and throttles live in the cache: start every test with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request activates its reader's language in the thread (LocaleMiddleware, the API's
    token check); in production the next request activates its own, in tests the next test
    starts in the default language."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def traveller(db):
    from roamcard.testing import make_user

    return make_user(email="alice@example.com")


@pytest.fixture
def other_traveller(db):
    from roamcard.testing import make_user

    return make_user(email="bob@example.com")


@pytest.fixture
def europe(db):
    from roamcard.testing import make_region

    return make_region()


GIB = 1024**3


@pytest.fixture
def renewal_setup(db):
    """A traveller with a bound Europe card and a 5 GB / 7 day plan priced in CNY and USD."""
    from roamcard.testing import make_card, make_plan, make_region, make_user

    region = make_region(code="europe-33", name="Europe", countries=("FR", "DE", "IT"))
    traveller = make_user(
        email="wanderer@example.com", phone="+85261234567", preferred_language="en"
    )
    card = make_card(region=region, owner=traveller)
    plan = make_plan(region=region, data_bytes=5 * GIB, days=7, prices={"CNY": 6800, "USD": 949})
    return traveller, card, plan


@pytest.fixture
def staff(db):
    """A member of staff with an authenticator app, so the back office lets them in."""
    from roamcard.core.tests.staff import make_staff

    return make_staff()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
