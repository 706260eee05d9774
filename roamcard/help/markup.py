"""An article's body, written by staff in Markdown, as HTML that cannot carry anything but
text, emphasis, lists, headings, quotes, code and links.

HTML typed into the body is escaped, never passed through (markdown-it's `html` off);
markdown-it refuses link targets with script-like schemes (javascript:, vbscript:, file:,
data:). Images are switched off: a body should not load other sites' pictures (and the
Content-Security-Policy would refuse them). Links to other sites open as ordinary links
with rel="nofollow noopener"."""

from functools import cache

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")

    def link_open(renderer, tokens, idx, options, env):
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        if not href.startswith(("/", "#")):
            token.attrSet("rel", "nofollow noopener")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def render_body(text: str) -> SafeString:
    """The HTML of a body. Safe to put in a page as is: see the module's docstring."""
    return mark_safe(_markdown().render(text or ""))  # noqa: S308 - escaped by markdown-it
