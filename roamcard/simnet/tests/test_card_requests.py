"""The simulated network keeps each card's suspension and speed limit, applies a request id
once, and its fault injection applies to these calls as to allowances."""

import pytest

from roamcard.provisioning.network import NetworkError
from roamcard.simnet.adapter import SimulatedNetwork
from roamcard.simnet.models import SimCard, SimCardRequest, SimFault

ICCID = "8985200000000000001"

pytestmark = pytest.mark.django_db


def state():
    card = SimCard.objects.get(iccid=ICCID)
    return card.suspended, card.throttle_kbps


def test_suspend_throttle_resume_change_the_card():
    network = SimulatedNetwork()

    network.suspend(iccid=ICCID, request_id="s1", reason="fraud")
    assert state() == (True, None)
    network.throttle(iccid=ICCID, request_id="t1", kbps=256)
    assert state() == (True, 256)
    network.resume(iccid=ICCID, request_id="r1")
    network.throttle(iccid=ICCID, request_id="t2", kbps=None)
    assert state() == (False, None)


def test_a_retried_old_suspension_does_not_undo_a_later_resumption():
    network = SimulatedNetwork()
    network.suspend(iccid=ICCID, request_id="s1", reason="fraud")
    network.resume(iccid=ICCID, request_id="r1")

    network.suspend(iccid=ICCID, request_id="s1", reason="fraud")

    assert state() == (False, None)
    assert SimCardRequest.objects.count() == 2


def test_a_rejecting_fault_applies_nothing():
    SimFault.objects.create(iccid=ICCID, mode=SimFault.Mode.REJECT)

    with pytest.raises(NetworkError):
        SimulatedNetwork().suspend(iccid=ICCID, request_id="s1", reason="fraud")

    assert not SimCardRequest.objects.exists()


def test_a_timeout_after_applying_applies_and_loses_the_answer():
    SimFault.objects.create(iccid=ICCID, mode=SimFault.Mode.TIMEOUT_AFTER_APPLY)

    with pytest.raises(NetworkError):
        SimulatedNetwork().throttle(iccid=ICCID, request_id="t1", kbps=128)

    assert state() == (False, 128)
