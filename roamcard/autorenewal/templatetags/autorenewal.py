"""The card page's automatic renewal section: loaded by the cards app's template, which
cannot import this app (it sits below it)."""

from django import template

from roamcard.autorenewal.selectors import policy_state_for

register = template.Library()


@register.inclusion_tag("autorenewal/_card_section.html", takes_context=True)
def auto_renewal_section(context: template.Context, card) -> dict:
    state = policy_state_for(user=context["request"].user, card=card)
    return {"card": card, "policy": state.policy, "open_renewal": state.open_renewal}
