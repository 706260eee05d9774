"""Nothing staff type into an article's body can put HTML or scripts on a page."""

from roamcard.help.markup import render_body


def test_html_typed_into_a_body_is_shown_as_text_never_run():
    html = render_body('Hello <script>alert(1)</script>\n\n<img src=x onerror="alert(1)">')

    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_script_links_are_not_links():
    html = render_body("[press](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)")

    assert "<a" not in html
    assert "javascript:" in html  # left as the text staff typed


def test_links_lists_and_emphasis_work_and_other_sites_get_nofollow():
    html = render_body(
        "**Bold**\n\n- one\n- two\n\n[Cards](/cards/) and [Stripe](https://stripe.com)"
    )

    assert "<strong>Bold</strong>" in html
    assert "<li>one</li>" in html
    assert '<a href="/cards/">Cards</a>' in html
    assert '<a href="https://stripe.com" rel="nofollow noopener">Stripe</a>' in html


def test_images_from_other_sites_are_not_loaded():
    assert "<img" not in render_body("![tracker](https://evil.example/pixel.png)")
