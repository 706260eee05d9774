"""The card's network actions in the back office. The card's page is the cards app's, which
cannot know about the network (it sits below provisioning): this module re-registers it
with the actions that suspend and resume a card on the network."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import action

from roamcard.cards.admin import CardAdmin
from roamcard.cards.models import Card
from roamcard.core.admin_audit import ReadOnlyModelAdmin, request_ip

from .models import CardNetworkAction
from .services import card_network_resume, card_network_suspend


class CardWithNetworkAdmin(CardAdmin):
    actions = (*CardAdmin.actions, "suspend_on_network", "resume_on_network")

    def has_network_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("provisioning.add_cardnetworkaction")

    @action(description=_("Suspend on the network"), permissions=["network"])
    def suspend_on_network(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        for card in queryset:
            card_network_suspend(
                card_id=card.pk,
                staff=request.user,
                reason="back office",
                ip_address=request_ip(request),
            )
        self._asked(request, queryset.count())

    @action(description=_("Resume on the network"), permissions=["network"])
    def resume_on_network(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        for card in queryset:
            card_network_resume(card_id=card.pk, staff=request.user, ip_address=request_ip(request))
        self._asked(request, queryset.count())

    def _asked(self, request: HttpRequest, count: int) -> None:
        self.message_user(
            request,
            ngettext(
                "The network was asked for %(count)d card; see “Card network actions” for "
                "the outcome.",
                "The network was asked for %(count)d cards; see “Card network actions” for "
                "the outcome.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


admin.site.unregister(Card)
admin.site.register(Card, CardWithNetworkAdmin)


@admin.register(CardNetworkAction)
class CardNetworkActionAdmin(ReadOnlyModelAdmin):
    """What the network was asked to do to a card, and how it went."""

    list_display = (
        "created_at",
        "card",
        "action",
        "kbps",
        "state",
        "attempts",
        "last_error",
        "requested_by",
    )
    list_filter = ("action", "state", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("card", "requested_by")
    search_fields = ("card__iccid", "=request_id")
