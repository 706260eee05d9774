import pytest

from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.testing import make_card, make_plan

from .fakes import FakeGateway


@pytest.fixture
def gateway(settings):
    """Card and Alipay through the fake gateway; WeChat Pay not enabled."""
    settings.PAYMENT_GATEWAYS = {"fake": {"BACKEND": "roamcard.renewals.tests.fakes.FakeGateway"}}
    settings.PAYMENT_METHOD_GATEWAYS = {"card": "fake", "alipay": "fake"}
    settings.PUBLIC_BASE_URL = "https://roamcard.example.test"
    reset_gateway_cache()
    FakeGateway.reset()
    yield FakeGateway
    FakeGateway.reset()
    reset_gateway_cache()


@pytest.fixture
def card(traveller, europe):
    return make_card(owner=traveller, region=europe, label="Europe trip")


@pytest.fixture
def plan(europe):
    return make_plan(
        region=europe,
        name="Europe 5 GB",
        data_bytes=5 * 1024**3,
        days=30,
        kind="month",
        prices={"USD": 1990, "CNY": 13800},
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the code queued for after its transaction commits (the
    test's own transaction never does): the jobs that provision, refund and notify."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
