"""Fixtures shared by every app's tests."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate limits and throttles live in the cache: start every test with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def traveller(db):
    from roamcard.core.testing import make_user

    return make_user(email="alice@example.com")


@pytest.fixture
def other_traveller(db):
    from roamcard.core.testing import make_user

    return make_user(email="bob@example.com")


@pytest.fixture
def europe(db):
    from roamcard.core.testing import make_region

    return make_region()
