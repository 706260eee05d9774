from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import DomainError, NotFound


class CardNotFound(NotFound):
    code = "card_not_found"
    message = _("Card not found.")


class CardBindRejected(DomainError):
    """Wrong number or wrong password. One message for both, so that a failure does not
    reveal whether a card number exists."""

    code = "card_bind_rejected"
    status = 400
    message = _("The card number or the card password is not correct.")


class CardBindLocked(DomainError):
    code = "card_bind_locked"
    status = 429
    message = _(
        "Too many wrong attempts for this card number. Binding it is locked for an hour; "
        "please try again later or contact customer service."
    )


class CardAlreadyBound(DomainError):
    code = "card_already_bound"
    status = 409
    message = _(
        "This card is already bound to another account. Contact customer service if it is yours."
    )


class CardAlreadyYours(DomainError):
    code = "card_already_yours"
    status = 409
    message = _("This card is already in your account.")


class CardNotBindable(DomainError):
    code = "card_not_bindable"
    status = 409
    message = _(
        "This card cannot be bound: it has expired or is suspended. Contact customer service."
    )
