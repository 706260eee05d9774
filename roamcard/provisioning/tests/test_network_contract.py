"""What every network adapter promises (roamcard.provisioning.network.NetworkAdapter), run
against each adapter class available here. A real operator's adapter is added to ADAPTERS
with the options to reach the operator's test environment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.provisioning.network import AllowanceRequest, NetworkResult, network_build
from roamcard.testing import make_iccid

ADAPTERS = [("roamcard.simnet.adapter.SimulatedNetwork", {})]

pytestmark = pytest.mark.django_db


@pytest.fixture(params=ADAPTERS, ids=[path.rsplit(".", 1)[-1] for path, _ in ADAPTERS])
def network(request):
    path, options = request.param
    return network_build(path, options)


def every_call(iccid: str, suffix: str):
    now = timezone.now()
    return {
        "apply": lambda n: n.apply_allowance(
            AllowanceRequest(
                request_id=f"apply-{suffix}",
                iccid=iccid,
                data_bytes=1024**3,
                fair_use_kbps=None,
                countries=["FR"],
                valid_from=now,
                valid_until=now + timedelta(days=7),
            )
        ),
        "suspend": lambda n: n.suspend(iccid=iccid, request_id=f"suspend-{suffix}", reason="test"),
        "resume": lambda n: n.resume(iccid=iccid, request_id=f"resume-{suffix}"),
        "throttle": lambda n: n.throttle(iccid=iccid, request_id=f"throttle-{suffix}", kbps=512),
        "unthrottle": lambda n: n.throttle(
            iccid=iccid, request_id=f"unthrottle-{suffix}", kbps=None
        ),
        "withdraw": lambda n: n.withdraw_allowance(request_id=f"apply-{suffix}", iccid=iccid),
    }


def test_every_call_answers_with_a_reference(network):
    for name, call in every_call(make_iccid(), "a").items():
        result = call(network)
        assert isinstance(result, NetworkResult), name
        assert result.reference, name


def test_repeating_a_request_id_gives_the_same_answer(network):
    for name, call in every_call(make_iccid(), "b").items():
        assert call(network).reference == call(network).reference, name
