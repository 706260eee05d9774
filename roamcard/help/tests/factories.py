"""Small builders for the help tests."""

from datetime import time

from roamcard.help.models import Article, SupportContact


def make_article(
    *, slug: str = "sim-basics", topic: str = "cards", published: bool = True, **texts
) -> Article:
    """`texts` are columns: title_en="...", body_ko="...". English title defaults to the slug."""
    texts.setdefault("title_en", slug.replace("-", " ").capitalize())
    return Article.objects.create(slug=slug, topic=topic, published=published, **texts)


def make_contact(**overrides) -> SupportContact:
    values = {
        "days": [0, 1, 2, 3, 4],
        "opens_at": time(9, 0),
        "closes_at": time(18, 0),
        "time_zone": "Asia/Hong_Kong",
        "languages": ["en", "ko"],
        "email": "help@provider.example",
        "phone": "+85221234567",
        "whatsapp": "+85261234567",
        "wechat": "provider_hk",
        "line": "@provider",
        "kakaotalk": "_xbRkCn",
        **overrides,
    }
    return SupportContact.objects.create(**values)
