"""Suspending, resuming and throttling a card on the network: each request is recorded,
audited, run as a job, retried with the same request id, and applied once."""

import pytest
from django.urls import reverse

from roamcard.core.errors import InvalidInput
from roamcard.core.models import AuditEvent
from roamcard.provisioning.models import CardNetworkAction
from roamcard.provisioning.network import get_network, network_build
from roamcard.provisioning.services import (
    card_network_action_run,
    card_network_resume,
    card_network_suspend,
    card_network_throttle,
)
from roamcard.simnet.adapter import SimulatedNetwork
from roamcard.simnet.models import SimCard, SimCardRequest, SimFault
from roamcard.testing import make_card

State = CardNetworkAction.State


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def card(db):
    return make_card()


def sim_state(card):
    sim = SimCard.objects.get(iccid=card.iccid)
    return sim.suspended, sim.throttle_kbps


def test_a_suspension_reaches_the_network_and_is_audited(card, staff, committed):
    with committed():
        action = card_network_suspend(card_id=card.pk, staff=staff, reason="stolen phone")

    action.refresh_from_db()
    assert action.state == State.SUCCEEDED and action.network_reference
    assert sim_state(card) == (True, None)
    event = AuditEvent.objects.get(action="card.network_suspend", object_id=str(card.pk))
    assert event.actor == staff and event.details["reason"] == "stolen phone"


def test_suspend_then_resume_then_throttle_apply_in_order(card, staff, committed):
    with committed():
        card_network_suspend(card_id=card.pk, staff=staff, reason="check")
        card_network_resume(card_id=card.pk, staff=staff)
        card_network_throttle(card_id=card.pk, staff=staff, kbps=384)

    assert sim_state(card) == (False, 384)
    assert set(CardNetworkAction.objects.values_list("state", flat=True)) == {State.SUCCEEDED}


def test_a_later_action_waits_for_an_earlier_one_under_way(card, staff):
    first = card_network_suspend(card_id=card.pk, staff=staff, reason="check")
    second = card_network_resume(card_id=card.pk, staff=staff)

    card_network_action_run(action_id=second.pk)
    second.refresh_from_db()
    assert second.state == State.PENDING and second.attempts == 0

    card_network_action_run(action_id=first.pk)
    card_network_action_run(action_id=second.pk)
    assert sim_state(card) == (False, None)


def test_an_answer_lost_after_applying_is_reconciled_by_asking_again(card, staff):
    SimFault.objects.create(iccid=card.iccid, mode=SimFault.Mode.TIMEOUT_AFTER_APPLY)
    action = card_network_suspend(card_id=card.pk, staff=staff, reason="fraud")

    card_network_action_run(action_id=action.pk)
    action.refresh_from_db()
    assert action.state == State.PENDING and "timed out" in action.last_error
    assert action.next_attempt_at is not None

    card_network_action_run(action_id=action.pk)  # the retry, as the job or the sweep runs it
    action.refresh_from_db()
    assert action.state == State.SUCCEEDED and action.attempts == 2
    assert SimCardRequest.objects.filter(request_id=action.request_id).count() == 1
    assert sim_state(card) == (True, None)


def test_it_gives_up_after_the_last_attempt(card, staff, settings):
    settings.PROVISIONING_MAX_ATTEMPTS = 2
    SimFault.objects.create(iccid=card.iccid, mode=SimFault.Mode.REJECT, remaining=5)
    action = card_network_throttle(card_id=card.pk, staff=staff, kbps=128)

    for _ in range(3):
        card_network_action_run(action_id=action.pk)

    action.refresh_from_db()
    assert action.state == State.FAILED and action.attempts == 2
    assert not SimCard.objects.filter(iccid=card.iccid, throttle_kbps=128).exists()


def test_a_speed_limit_must_be_above_zero(card, staff):
    with pytest.raises(InvalidInput):
        card_network_throttle(card_id=card.pk, staff=staff, kbps=0)
    assert not CardNetworkAction.objects.exists()


def test_the_adapter_is_built_from_the_network_setting_with_its_options(settings):
    settings.NETWORK = {
        "ADAPTER": "roamcard.simnet.adapter.SimulatedNetwork",
        "OPTIONS": {"answer_delay_seconds": 0.25},
    }
    get_network.cache_clear()
    try:
        network = get_network()
        assert isinstance(network, SimulatedNetwork)
        assert network.answer_delay_seconds == 0.25
    finally:
        get_network.cache_clear()
    with pytest.raises(TypeError):
        network_build("roamcard.simnet.adapter.SimulatedNetwork", {"password": "x"})


def test_staff_suspend_and_resume_cards_from_the_card_list(staff_client, card, committed):
    url = reverse("admin:cards_card_changelist")

    with committed():
        response = staff_client.post(
            url, {"action": "suspend_on_network", "_selected_action": [card.pk]}
        )
    assert response.status_code == 302
    assert sim_state(card) == (True, None)

    with committed():
        staff_client.post(url, {"action": "resume_on_network", "_selected_action": [card.pk]})
    assert sim_state(card) == (False, None)
    assert AuditEvent.objects.filter(action="card.action.suspend_on_network").exists()
    assert AuditEvent.objects.filter(action="card.network_resume").count() == 1
    listed = staff_client.get(reverse("admin:provisioning_cardnetworkaction_changelist"))
    assert card.iccid in listed.content.decode()
