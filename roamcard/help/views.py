"""The public help pages: articles by topic with a search, one article, the contact page.
No sign-in needed. Thin: read with a selector, render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .errors import ArticleNotFound
from .markup import render_body
from .selectors import QUERY_MAX, article_get, article_groups, article_related, article_search


@require_GET
def help_index_view(request: HttpRequest) -> HttpResponse:
    """Every article by topic; with ?q=, those that match (htmx swaps only the results as
    one types; without JavaScript the form submits)."""
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    articles = article_search(query=query)
    return render(
        request,
        "help/index.html",
        {"query": query, "groups": article_groups(articles=articles), "count": len(articles)},
    )


@require_GET
def help_article_view(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        article = article_get(slug=slug)
    except ArticleNotFound as exc:
        # Not Django's bare 404: the reader gets a search and the contact, in their language.
        return render(request, "help/not_found.html", {"message": exc.message}, status=404)
    return render(
        request,
        "help/article.html",
        {
            "article": article,
            "body": render_body(article.body),
            "related": article_related(article=article),
        },
    )


@require_GET
def help_contact_view(request: HttpRequest) -> HttpResponse:
    return render(request, "help/contact.html")
