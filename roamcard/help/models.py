from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import Topic

# Paths under /help/ that are pages of their own, never an article's slug.
RESERVED_SLUGS = frozenset({"contact"})


def _not_reserved(slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is the address of another help page; choose another."),
            code="reserved_slug",
            params={"slug": slug},
        )


class Article(models.Model):
    """A help article. Its title, summary and body are written by staff in every language
    (roamcard/help/translation.py); its slug is the same in all of them, so links to it
    (`{% help_url "forgot-card-password" %}`) never depend on the reader's language."""

    slug = models.SlugField(
        _("address"),
        max_length=80,
        unique=True,
        validators=[_not_reserved],
        help_text=_("Used in links: /help/<address>/. The same in every language."),
    )
    topic = models.CharField(
        pgettext_lazy("help article", "topic"), max_length=20, choices=Topic.choices
    )
    title = models.CharField(_("title"), max_length=160)
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences shown in the list and in search results."),
    )
    body = models.TextField(
        _("body"),
        blank=True,
        help_text=_(
            "Markdown: blank lines between paragraphs, **bold**, lists with “- ”, "
            "headings with “## ”, links as [text](https://…) or [text](/cards/). "
            "HTML is shown as typed, never run."
        ),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("Unpublished articles are hidden from travellers."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The digest of the text help_load_defaults last wrote here ("" for an article staff
    # created): while the text still has it, nobody edited it, and a newer default may
    # replace it; once staff change a word, the loader leaves the article alone.
    default_digest = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["sort_order", "slug"]
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")

    def __str__(self) -> str:
        return self.title or self.slug


class SupportContact(models.Model):
    """How travellers reach the provider's customer service: one row (pk 1), edited in the
    back office and shown on the help pages and wherever a traveller may be stuck."""

    SINGLETON_PK = 1

    days = models.JSONField(
        _("days open"), default=list, blank=True, help_text=_("Monday is 0, Sunday is 6.")
    )
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(
        _("closes at"),
        null=True,
        blank=True,
        help_text=_("Earlier than the opening time means open past midnight."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        help_text=_("The IANA name of the time zone the hours are in, e.g. Asia/Hong_Kong."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        help_text=_("International format, e.g. +85221234567."),
    )
    whatsapp = models.CharField(
        _("WhatsApp number"),
        max_length=20,
        blank=True,
        help_text=_("International format, e.g. +85261234567."),
    )
    wechat = models.CharField(_("WeChat ID"), max_length=40, blank=True)
    line = models.CharField(
        _("LINE ID"),
        max_length=40,
        blank=True,
        help_text=_("An official account's ID starts with @, e.g. @roamcard."),
    )
    kakaotalk = models.CharField(
        _("KakaoTalk channel ID"),
        max_length=40,
        blank=True,
        help_text=_("The ID in the channel's address pf.kakao.com/…, e.g. _xbRkCn."),
    )
    languages = models.JSONField(
        _("languages served"), default=list, blank=True, help_text=_("Language codes.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer service contact")
        verbose_name_plural = _("customer service contact")

    def __str__(self) -> str:
        return str(_("Customer service contact"))

    def save(self, *args, **kwargs) -> None:
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)
