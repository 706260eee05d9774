"""Back-office test helpers: a staff login that passes the MFA requirement, and the data a
browser would post back from an admin change form."""

from typing import Any

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.forms import CheckboxInput

from roamcard.testing import make_user


def make_staff(*, superuser: bool = True, email: str = "staff@example.com"):
    """A member of staff with an authenticator app, so /admin/ lets them in."""
    user = make_user(email=email, is_staff=True, is_superuser=superuser)
    TOTP.activate(user, generate_totp_secret())
    return user


def _field_data(bound_field) -> dict[str, Any]:
    widget = bound_field.field.widget
    while hasattr(widget, "widget"):  # RelatedFieldWidgetWrapper and the like
        widget = widget.widget
    value = bound_field.value()
    if isinstance(widget, CheckboxInput):
        return {bound_field.html_name: "on"} if value else {}
    context = widget.get_context(bound_field.html_name, value, {})["widget"]
    data = {}
    for sub in context.get("subwidgets") or [context]:
        sub_value = sub["value"]
        if sub_value is None:
            sub_value = ""
        data[sub["name"]] = (
            [str(v) for v in sub_value] if isinstance(sub_value, list | tuple) else sub_value
        )
    return data


def _form_data(form) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for bound_field in form:
        data.update(_field_data(bound_field))
    return data


def changeform_data(response, **changes: Any) -> dict[str, Any]:
    """What the admin add/change page in `response` posts when saved as it is, with changes."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    data.update(changes)
    return data
