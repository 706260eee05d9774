from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.forms import AdminPasswordChangeForm, UserCreationForm

from roamcard.core.admin_audit import (
    AuditedModelAdmin,
    AuditedModelAdminMixin,
    ReadOnlyModelAdmin,
    admin_audit,
)

from .models import ApiToken, OneTimeCode, User
from .tokens import api_token_revoke


class _NullableContactsMixin:
    """A user without an e-mail address or phone stores NULL, not "" (both are unique).
    AbstractUser.clean() turns a missing e-mail address into "", so undo that here."""

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        for name in ("email", "phone"):
            if not getattr(self.instance, name):
                setattr(self.instance, name, None)


class UserAdminCreationForm(_NullableContactsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "phone")


class UserAdminChangeForm(_NullableContactsMixin, forms.ModelForm):
    """The password hash is not a field at all: staff see only a link to set a new one."""

    class Meta:
        model = User
        fields = (
            "username", "email", "phone", "phone_verified", "first_name", "last_name",
            "preferred_language", "preferred_currency", "time_zone",
            "is_active", "is_staff", "is_superuser", "groups", "user_permissions",
        )  # fmt: skip


@admin.register(User)
class UserAdmin(AuditedModelAdminMixin, DjangoUserAdmin, ModelAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = (
        "username",
        "email",
        "phone",
        "preferred_language",
        "is_staff",
        "is_active",
        "date_joined",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "preferred_language")
    search_fields = ("email", "phone", "username", "first_name", "last_name")
    ordering = ("-date_joined",)
    readonly_fields = ("password_link", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password_link")}),
        (_("Contact"), {"fields": ("email", "phone", "phone_verified", "first_name", "last_name")}),
        (_("Preferences"), {"fields": ("preferred_language", "preferred_currency", "time_zone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @display(description=_("password"))
    def password_link(self, user: User) -> str:
        url = reverse("admin:auth_user_password_change", args=[user.pk])
        state = (
            _("set") if user.has_usable_password() else _("not set (cannot log in with a password)")
        )
        return format_html('{} · <a href="{}">{}</a>', state, url, _("Set a new password"))

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            admin_audit(request, action="user.password_set", obj=self.get_object(request, id))
        return response


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(ReadOnlyModelAdmin):
    """Codes are stored only as hashes, and the hash is not shown either."""

    list_display = (
        "destination",
        "user",
        "purpose",
        "channel",
        "created_at",
        "expires_at",
        "used_at",
        "failed_attempts",
    )
    list_filter = ("purpose", "channel")
    search_fields = ("destination", "user__email", "user__phone")
    list_select_related = ("user",)
    fields = (
        "user",
        "purpose",
        "channel",
        "destination",
        "created_at",
        "expires_at",
        "used_at",
        "failed_attempts",
    )


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdminMixin, ReadOnlyModelAdmin):
    list_display = (
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    search_fields = ("prefix", "name", "user__email", "user__phone")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    @action(description=_("Revoke"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )


# allauth's and Django's own models, in the back office's look and audited.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)
admin.site.unregister(Group)


@admin.register(EmailAddress)
class EmailAddressAdmin(AuditedModelAdminMixin, AllauthEmailAddressAdmin, ModelAdmin):
    pass


@admin.register(Authenticator)
class AuthenticatorAdmin(AuditedModelAdmin):
    """Secrets and recovery codes (the `data`) are never shown. Deleting a member of staff's
    authenticator lets them set up a new one at their next login."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__email", "user__phone", "user__username")
    list_select_related = ("user",)
    fields = ("user", "type", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Group)
class GroupAdmin(AuditedModelAdminMixin, DjangoGroupAdmin, ModelAdmin):
    pass


# Signed-in sessions are the traveller's own business (the devices page); allauth's plain
# admin for them would let staff edit sessions without an audit record.
admin.site.unregister(UserSession)
