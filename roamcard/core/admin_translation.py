"""The back office's base for models whose text staff write in every language
(django-modeltranslation): the catalogue's plans and regions, the help articles.

The admin classes built on it show every language version of a translated field together,
in one fieldset, English first and required (docs/decisions/0006-translatable-catalogue.md).
modeltranslation's tabbed variant would load jQuery UI from a CDN, which the back
office's Content-Security-Policy (rightly) refuses."""

from typing import Any

from modeltranslation.admin import TranslationAdmin


class FieldsetsTranslationAdmin(TranslationAdmin):
    """A translated admin laid out with fieldsets. modeltranslation copies the form's
    Meta.fields onto the admin whenever it lays out a form and the admin has none; the
    admin then has both `fieldsets` and `fields`, and Django's system check (admin.E005)
    fails for the rest of the process (a management command run in it, say). The copy is
    undone once the fieldsets are read: they alone lay out the form."""

    def get_fieldsets(self, request: Any, obj: Any = None) -> Any:
        try:
            return super().get_fieldsets(request, obj)
        finally:
            self.fields = None
