"""The simulated network, behind the same NetworkAdapter interface a real one implements."""

import uuid

from django.db import transaction
from django.db.models import F

from roamcard.provisioning.network import AllowanceRequest, NetworkError, NetworkResult

from .models import SimAllowance, SimCard, SimFault


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


class SimulatedNetwork:
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
        return NetworkResult(
            reference=f"sim-{uuid.uuid5(uuid.NAMESPACE_URL, allowance.request_id)}"
        )

    def withdraw_allowance(self, *, request_id: str, iccid: str) -> NetworkResult:
        SimAllowance.objects.filter(request_id=request_id).update(withdrawn=True)
        return NetworkResult(reference=f"sim-withdraw-{request_id}")
