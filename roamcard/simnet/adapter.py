"""The simulated network, behind the same NetworkAdapter interface a real one implements."""

import time
import uuid

from django.db import transaction
from django.db.models import F

from roamcard.provisioning.network import AllowanceRequest, NetworkError, NetworkResult

from .models import SimAllowance, SimCard, SimCardRequest, SimFault


def _take_fault(iccid: str) -> SimFault | None:
    with transaction.atomic():
        fault = (
            SimFault.objects.select_for_update()
            .filter(iccid__in=[iccid, ""], remaining__gt=0)
            .order_by("-iccid", "id")
            .first()
        )
        if fault is None:
            return None
        SimFault.objects.filter(pk=fault.pk).update(remaining=F("remaining") - 1)
        return fault


def _reference(request_id: str) -> str:
    return f"sim-{uuid.uuid5(uuid.NAMESPACE_URL, request_id)}"


class SimulatedNetwork:
    """Options (the NETWORK setting's OPTIONS): `answer_delay_seconds`, how long every
    call takes, to rehearse a slow operator."""

    def __init__(self, *, answer_delay_seconds: float = 0):
        self.answer_delay_seconds = answer_delay_seconds

    def _wait(self) -> None:
        if self.answer_delay_seconds:
            time.sleep(self.answer_delay_seconds)

    def apply_allowance(self, request: AllowanceRequest) -> NetworkResult:
        fault = _take_fault(request.iccid)
        if fault is not None and fault.mode == SimFault.Mode.REJECT:
            raise NetworkError("simulated network: provisioning gateway unavailable")
        with transaction.atomic():
            card, _ = SimCard.objects.get_or_create(iccid=request.iccid)
            allowance, _ = SimAllowance.objects.get_or_create(
                request_id=request.request_id,
                defaults={
                    "card": card,
                    "data_bytes": request.data_bytes,
                    "fair_use_kbps": request.fair_use_kbps,
                    "countries": request.countries,
                    "valid_from": request.valid_from,
                    "valid_until": request.valid_until,
                    "starts": request.starts,
                    "activate_by": request.activate_by,
                },
            )
        if fault is not None:  # applied, but the answer never reaches the caller
            raise NetworkError("simulated network: timed out waiting for the answer")
        self._wait()
        return NetworkResult(reference=_reference(allowance.request_id))

    def withdraw_allowance(self, *, request_id: str, iccid: str) -> NetworkResult:
        SimAllowance.objects.filter(request_id=request_id).update(withdrawn=True)
        return NetworkResult(reference=f"sim-withdraw-{request_id}")

    def suspend(self, *, iccid: str, request_id: str, reason: str) -> NetworkResult:
        return self._card_request(
            iccid=iccid, request_id=request_id, action=SimCardRequest.Action.SUSPEND, reason=reason
        )

    def resume(self, *, iccid: str, request_id: str) -> NetworkResult:
        return self._card_request(
            iccid=iccid, request_id=request_id, action=SimCardRequest.Action.RESUME
        )

    def throttle(self, *, iccid: str, request_id: str, kbps: int | None) -> NetworkResult:
        return self._card_request(
            iccid=iccid, request_id=request_id, action=SimCardRequest.Action.THROTTLE, kbps=kbps
        )

    def _card_request(
        self, *, iccid: str, request_id: str, action: str, kbps: int | None = None, reason: str = ""
    ) -> NetworkResult:
        """Apply a request to the card's state once; a repeated request id changes nothing.
        Fault injection applies as for allowances."""
        fault = _take_fault(iccid)
        if fault is not None and fault.mode == SimFault.Mode.REJECT:
            raise NetworkError("simulated network: provisioning gateway unavailable")
        with transaction.atomic():
            card, _ = SimCard.objects.select_for_update().get_or_create(iccid=iccid)
            _request, created = SimCardRequest.objects.get_or_create(
                request_id=request_id,
                defaults={"card": card, "action": action, "kbps": kbps, "reason": reason[:200]},
            )
            if created:
                if action == SimCardRequest.Action.SUSPEND:
                    card.suspended = True
                elif action == SimCardRequest.Action.RESUME:
                    card.suspended = False
                else:
                    card.throttle_kbps = kbps
                card.save()
        if fault is not None:  # applied, but the answer never reaches the caller
            raise NetworkError("simulated network: timed out waiting for the answer")
        self._wait()
        return NetworkResult(reference=_reference(request_id))
