"""A payment gateway for unit tests that answers as the test tells it (the end-to-end tests
use the real built-in sandbox)."""

from typing import Any, ClassVar

from roamcard.payments.gateways.base import (
    GatewayResult,
    InvalidWebhook,
    PaymentMethod,
    ResultStatus,
    WebhookAck,
    WebhookEvent,
)

PAY_PAGE = "https://pay.example.test/checkout/"


class FakeGateway:
    """start_payment answers PENDING with a hosted page; query_payment answers what the test
    put in `answers` for that payment id (PENDING otherwise); refunds succeed, unless the
    test set `refund_answer`."""

    methods = tuple(PaymentMethod)
    answers: ClassVar[dict[str, GatewayResult]] = {}
    closed: ClassVar[list[str]] = []
    started: ClassVar[list[dict[str, Any]]] = []
    refunded: ClassVar[list[dict[str, Any]]] = []
    refund_answer: ClassVar[GatewayResult | None] = None

    def __init__(self, *, name: str):
        self.name = name

    @classmethod
    def reset(cls) -> None:
        cls.answers, cls.started, cls.refunded, cls.closed = {}, [], [], []
        cls.refund_answer = None

    @classmethod
    def will_succeed(cls, payment, *, reference: str = "") -> None:
        cls.answers[str(payment.public_id)] = GatewayResult(
            status=ResultStatus.SUCCEEDED,
            reference=reference or f"fake-{payment.public_id.hex[:10]}",
            amount_minor=payment.amount_minor,
            currency=payment.currency,
        )

    @classmethod
    def will_fail(cls, payment, *, message: str = "Your card was declined.") -> None:
        cls.answers[str(payment.public_id)] = GatewayResult(
            status=ResultStatus.FAILED, error_code="card_declined", error_message=message
        )

    def start_payment(
        self, *, payment_id: str, method: PaymentMethod, **call: Any
    ) -> GatewayResult:
        self.started.append({"payment_id": payment_id, "method": method, **call})
        return GatewayResult(
            status=ResultStatus.PENDING,
            reference=f"fake-{payment_id[:8]}",
            redirect_url=f"{PAY_PAGE}{payment_id}",
            qr_code=f"fakepay://{payment_id}" if method != PaymentMethod.CARD else "",
        )

    def query_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        return self.answers.get(
            payment_id, GatewayResult(status=ResultStatus.PENDING, reference=reference)
        )

    def cancel_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        """Closes the payment unless the test said it succeeded first."""
        answer = self.answers.get(payment_id)
        if answer is not None and answer.status == ResultStatus.SUCCEEDED:
            return answer
        self.closed.append(payment_id)
        self.answers[payment_id] = GatewayResult(
            status=ResultStatus.FAILED, reference=reference, error_code="closed"
        )
        return self.answers[payment_id]

    def refund(self, *, refund_id: str, **call: Any) -> GatewayResult:
        self.refunded.append({"refund_id": refund_id, **call})
        if self.refund_answer is not None:
            return self.refund_answer
        return GatewayResult(
            status=ResultStatus.SUCCEEDED, reference=f"fake-refund-{refund_id[:8]}"
        )

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        raise InvalidWebhook("the fake gateway sends no webhooks")

    def webhook_ack(self, event: WebhookEvent | None) -> WebhookAck:
        return WebhookAck()

    def webhook_reject(self, reason: str) -> WebhookAck:
        return WebhookAck(status=400, body=reason.encode())
