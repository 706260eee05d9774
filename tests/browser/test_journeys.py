"""A traveller who reads only Korean, only Japanese or only traditional Chinese, from the
first page to a password reset, in a real browser that asks for their language and never
switches it: sign up (a mobile number in Korean, an e-mail address otherwise), confirm with
the code from the dev inbox, bind a card, renew it through the sandbox, read the renewal
messages, sign out and in again, reset the password by code and sign in with the new one.

Every page and every message the traveller meets goes through the language checker
(language.py). By default the journey stops at the first page or message with a word in
another language; with JOURNEY_COLLECT=1 it goes on, records every finding in
var/journey-findings.jsonl and fails at its end."""

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from roamcard.cards.models import Card
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order
from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.testing import GIB, make_bucket, make_card, make_plan, make_region

from .language import LanguageChecker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARD_PASSWORD = "482913"
# France, as each journey's traveller types it in the store's search.
FRANCE = {"ko": "프랑스", "ja": "フランス", "zh-hant": "法國"}
PRICES = {"USD": 1990, "CNY": 13800, "KRW": 26000, "JPY": 2900, "TWD": 59900, "HKD": 15500}


@dataclass(frozen=True)
class Journey:
    language: str  # Django's code
    locale: str  # the browser's
    accept_language: str
    time_zone: str
    currency: str  # what the traveller expects to pay in
    signup_by: str  # "phone" or "email"
    contact: str  # as the traveller types it
    address: str  # as the outbox writes it
    second_contact: str  # the other kind of contact, added on the profile after sign-up
    second_address: str
    password: str
    new_password: str
    region_name: str
    plan_name: str


JOURNEYS = [
    Journey(
        language="ko",
        locale="ko-KR",
        accept_language="ko-KR,ko;q=0.9",
        time_zone="Asia/Seoul",
        currency="KRW",
        signup_by="phone",
        contact="+82 10 2345 6789",
        address="+821023456789",
        second_contact="minji.kim@example.com",
        second_address="minji.kim@example.com",
        password="Yeohaeng-bada-2026",
        new_password="Saeroun-gil-7788",
        region_name="유럽",
        plan_name="유럽 5GB 30일",
    ),
    Journey(
        language="ja",
        locale="ja-JP",
        accept_language="ja-JP,ja;q=0.9",
        time_zone="Asia/Tokyo",
        currency="JPY",
        signup_by="email",
        contact="hanako.yamada@example.com",
        address="hanako.yamada@example.com",
        second_contact="+81 90 1234 5678",
        second_address="+819012345678",
        password="Tabi-no-sora-2026",
        new_password="Aozora-kaeru-7788",
        region_name="ヨーロッパ",
        plan_name="ヨーロッパ 5GB 30日間",
    ),
    Journey(
        language="zh-hant",
        locale="zh-TW",
        accept_language="zh-TW,zh;q=0.9",
        time_zone="Asia/Taipei",
        currency="TWD",
        signup_by="email",
        contact="mei.lin@example.com",
        address="mei.lin@example.com",
        second_contact="+886 912 345 678",
        second_address="+886912345678",
        password="Lu-xing-tian-2026",
        new_password="Xin-mi-ma-7788",
        region_name="歐洲",
        plan_name="歐洲 5GB 30天",
    ),
]


@pytest.fixture
def sandbox(settings, live_server):
    """Card payments through the sandbox, which calls us back at the live server; the dev
    inbox open to anyone, as in the demo (DEBUG)."""
    settings.PAYMENT_METHOD_GATEWAYS = {
        "card": "sandbox",
        "alipay": "sandbox",
        "wechat_pay": "sandbox",
    }
    settings.PUBLIC_BASE_URL = live_server.url
    settings.DEBUG = True
    reset_gateway_cache()
    yield
    reset_gateway_cache()


def _localise(obj, field: str, language: str, value: str) -> None:
    """Give a catalogue name in the journey's language, once the catalogue has per-language
    fields (django-modeltranslation's name_ko, name_ja, name_zh_hant); until then the
    English name is what the traveller sees, and the checker says so."""
    column = f"{field}_{language.replace('-', '_')}"
    if any(f.name == column for f in type(obj)._meta.get_fields()):
        setattr(obj, column, value)
        obj.save(update_fields=[column])


@pytest.fixture
def unbound_card(sandbox):
    """A card in stock, in the traveller's hands with its card password, and the plan it
    can be renewed with."""

    def make(journey: Journey) -> Card:
        europe = make_region()
        europe.name = "Europe"
        europe.save(update_fields=["name"])
        _localise(europe, "name", journey.language, journey.region_name)
        card = make_card(region=europe, password=CARD_PASSWORD)
        make_bucket(card=card, bytes_granted=GIB, bytes_remaining=GIB // 4, days=3)
        plan = make_plan(
            region=europe,
            name="Europe 5 GB",
            data_bytes=5 * GIB,
            days=30,
            kind="month",
            prices=PRICES,
            sort_order=1,
        )
        _localise(plan, "name", journey.language, journey.plan_name)
        return card

    return make


@contextmanager
def step(name: str):
    """Name the step in any failure that is not the checker's own."""
    try:
        yield
    except AssertionError:
        raise
    except Exception as exc:
        raise AssertionError(f"Journey step {name!r} failed: {exc}") from exc


def submit(page, form: str = "main form") -> None:
    """Press the form's own submit button (not one that belongs to another form)."""
    page.locator(f"{form} button[type=submit]:not([form])").first.click()


class Inbox:
    """The dev inbox, opened in a tab of the traveller's own browser."""

    def __init__(self, page, checker: LanguageChecker, address: str):
        self.context = page.context
        self.checker = checker
        self.address = address
        self.seen = 0

    def read(self, step_name: str, kind: str | None = None, checks: bool = True) -> str:
        """Wait for the next message to the traveller (of `kind`), check the inbox page and
        the message, and return its body."""
        selector = f'article.inbox-message[data-to="{self.address}"]'
        if kind:
            selector += f'[data-kind="{kind}"]'
        tab = self.context.new_page()
        try:
            deadline = time.monotonic() + 15
            while True:
                tab.goto("/dev/inbox/")
                count = tab.locator(selector).count()
                if count > (self.seen if kind is None else 0):
                    break
                assert time.monotonic() < deadline, (
                    f"Journey step {step_name!r}: no message to {self.address}"
                    + (f" of kind {kind}" if kind else "")
                    + " reached the dev inbox"
                )
                tab.wait_for_timeout(300)
            if kind is None:
                self.seen = count
            # The inbox's own words (a developer tool, but translated): everything except
            # the messages' subjects and bodies, which are checked as messages.
            self.checker.check(
                tab, f"{step_name}: dev inbox page", exclude=".inbox-body, .inbox-message > p"
            )
            message = tab.locator(selector).first
            subject = message.locator(":scope > p > strong")
            parts = {"subject": subject.inner_text()} if subject.count() else {}
            parts["body"] = message.locator(".inbox-body").inner_text()
            if checks:
                self.checker.check(parts, f"{step_name}: message {kind or ''}".strip())
            return parts["body"]
        finally:
            tab.close()


def code_in(body: str) -> str:
    found = re.search(r"(?<!\d)(\d{6})(?!\d)", body)
    assert found, f"no 6-digit code in the message: {body!r}"
    return found.group(1)


def log_in(page, journey: Journey, password: str, check, name: str) -> None:
    with step(f"{name}: the log-in page"):
        page.goto("/")
        check(page, f"{name}: home page, signed out")
        page.locator('header a[href$="/accounts/login/"]').first.click()
        expect(page.locator("input[name=login]")).to_be_visible()
    check(page, f"{name}: log-in page")
    with step(f"{name}: log in"):
        page.locator("input[name=login]").fill(journey.contact)
        page.locator("input[name=password]").fill(password)
        submit(page)
        expect(page).to_have_url(re.compile(r"/cards/$"))
    check(page, f"{name}: my cards after logging in")


def log_out(page, check, name: str) -> None:
    with step(name):
        page.locator("summary.menu-avatar").click()
        page.locator('header form[action$="/accounts/logout/"] button[type=submit]').click()
        expect(page.locator("input[name=login], a[href$='/accounts/login/']").first).to_be_visible()
    check(page, f"{name}: the page after logging out")


@pytest.mark.parametrize("journey", JOURNEYS, ids=[j.language for j in JOURNEYS])
def test_a_traveller_meets_only_their_language(browser, live_server, unbound_card, journey):
    card = unbound_card(journey)
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 780},
        locale=journey.locale,
        timezone_id=journey.time_zone,
        extra_http_headers={"Accept-Language": journey.accept_language},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    checker = LanguageChecker(journey.language, currency=journey.currency)
    check = checker.check
    inbox = Inbox(page, checker, journey.address)
    second_inbox = Inbox(page, checker, journey.second_address)
    try:
        # Sign up, confirm with the code the traveller received.
        with step("home page"):
            page.goto("/")
        check(page, "home page")

        # Look around the store first, as a visitor: a destination typed in the journey's
        # language, its plans in the journey's currency, the coverage's country list.
        with step("store: search for France"):
            page.goto("/store/")
            page.locator("main input[name=q]").first.fill(FRANCE[journey.language])
            page.locator("main input[name=q]").first.press("Enter")
            expect(page.locator(".plan-name").first).to_have_text(journey.plan_name)
        check(page, "store: plans for France")
        with step("store: the coverage's countries"):
            page.locator(".plan-region a").first.click()
            expect(page.locator(".country-list")).to_be_visible()
        check(page, "store: the coverage's countries")
        with step("back to the home page"):
            page.goto("/")
        with step("sign-up page"):
            page.locator('a[href$="/accounts/signup/"]').first.click()
            expect(page.locator(f"input[name={journey.signup_by}]")).to_be_visible()
        check(page, "sign-up page")
        with step("sign up"):
            page.locator(f"input[name={journey.signup_by}]").fill(journey.contact)
            page.locator("input[name=password1]").fill(journey.password)
            page.locator("input[name=password2]").fill(journey.password)
            submit(page)
            expect(page.locator("input[name=code]")).to_be_visible()
        check(page, "sign-up: enter the code page")
        code = code_in(inbox.read("sign-up: the verification code"))
        with step("confirm the code"):
            page.locator("input[name=code]").fill(code)
            submit(page)
            expect(page).to_have_url(re.compile(r"/cards/$"))
        check(page, "my cards, just signed up")

        # Add the other kind of contact on the profile and verify it, so that the renewal's
        # SMS and e-mail both reach the traveller.
        second_by = "email" if journey.signup_by == "phone" else "phone"
        with step("profile, one contact"):
            page.goto("/accounts/profile/")
            expect(page.locator("select[name=time_zone]")).to_be_visible()
        check(page, "profile page, one contact")
        with step(f"add a second contact ({second_by})"):
            add_url = "/accounts/email/" if second_by == "email" else "/accounts/phone/change/"
            page.locator(f'main a[href$="{add_url}"]').first.click()
            expect(page.locator(f"input[name={second_by}]")).to_be_visible()
        check(page, f"add a second contact ({second_by}) page")
        with step(f"send a code to the {second_by}"):
            page.locator(f"input[name={second_by}]").fill(journey.second_contact)
            submit(page, f"form:has(input[name={second_by}])")
            expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
        check(page, "confirm your password page")
        with step("confirm the password before changing a contact"):
            page.locator("input[name=password]").fill(journey.password)
            submit(page, "form:has(input[name=password])")
            expect(page.locator("input[name=code]")).to_be_visible()
        check(page, f"{second_by}: enter the code page")
        code = code_in(second_inbox.read(f"verify the {second_by}"))
        with step(f"verify the {second_by}"):
            page.locator("input[name=code]").fill(code)
            submit(page, "form:has(input[name=code])")
            expect(page.locator("select[name=time_zone]")).to_be_visible()
            expect(page.locator(".contacts .badge-verified")).to_have_count(2)
        check(page, "profile page, two contacts")
        with step("back to my cards"):
            page.locator('header a[href$="/cards/"]').first.click()
            expect(page).to_have_url(re.compile(r"/cards/$"))

        # Bind the card.
        with step("add a card page"):
            page.locator('main a[href$="/cards/bind/"]').first.click()
            expect(page.locator("input[name=iccid]")).to_be_visible()
        check(page, "add a card page")
        with step("bind the card"):
            page.locator("input[name=iccid]").fill(card.iccid)
            page.locator("input[name=card_password]").fill(CARD_PASSWORD)
            submit(page)
            expect(page).to_have_url(re.compile(rf"/cards/{card.pk}/$"))
        check(page, "card page, just bound")
        with step("my cards"):
            page.locator('header a[href$="/cards/"]').first.click()
            expect(page.locator(f'main a[href$="/cards/{card.pk}/"]').first).to_be_visible()
        check(page, "my cards, one card")

        # Renew it.
        with step("plans page"):
            page.locator(f'main a[href$="/cards/{card.pk}/plans/"]').first.click()
            expect(page.locator('form[action$="/orders/new/"]').first).to_be_visible()
        check(page, "plans page")
        with step("choose the plan"):
            submit(page, 'form[action$="/orders/new/"]')
            expect(page.locator("form.pay-form")).to_be_visible()
        check(page, "review and pay page")
        with step("pay by card"):
            page.locator("label.pay-method:has(input[value=card])").click()
            submit(page, "form.pay-form")
            expect(page).to_have_url(re.compile(r"/sandbox/pay/"))
        check(page, "sandbox card payment page")
        with step("enter the test card"):
            page.locator("#number").fill("4242 4242 4242 4242")
            page.locator("#expiry").fill("12/34")
            submit(page, "form")
            expect(page).to_have_url(re.compile(r"/orders/[0-9a-f-]+/result/"))
            expect(page.locator(".result-success")).to_be_visible(timeout=20_000)
        assert Order.objects.get(card=card).state == OrderState.FULFILLED
        check(page, "result page, renewed")
        inbox.read("renewal confirmation", kind="renewal_confirmed")
        second_inbox.read("renewal confirmation, second contact", kind="renewal_confirmed")
        with step("receipt"):
            page.locator('main a[href$="/receipt/"]').first.click()
            expect(page.locator(".receipt")).to_be_visible()
        check(page, "receipt page")
        with step("order history"):
            page.locator('header a[href$="/orders/"]').first.click()
            expect(page.locator(".order-row")).to_have_count(1)
        check(page, "order history page")
        with step("the card with its new balance"):
            page.goto(f"/cards/{card.pk}/")
            expect(page.locator(f'main a[href$="/cards/{card.pk}/plans/"]').first).to_be_visible()
        check(page, "card page, renewed")
        with step("profile"):
            page.locator("summary.menu-avatar").click()
            page.locator('header a[href$="/accounts/profile/"]').click()
            expect(page.locator("select[name=time_zone]")).to_be_visible()
        check(page, "profile page")

        # Sign out and in again: still in the journey's language.
        log_out(page, check, "log out")
        log_in(page, journey, journey.password, check, "log in again")
        log_out(page, check, "log out before the reset")

        # Forgotten password, reset by code.
        with step("forgot password"):
            page.goto("/accounts/login/")
            page.locator('main a[href$="/accounts/password/reset/"]').click()
            expect(page.locator("input[name=destination]")).to_be_visible()
        check(page, "reset your password page")
        with step("ask for a reset code"):
            page.locator("input[name=destination]").fill(journey.contact)
            submit(page)
            expect(page.locator("input[name=new_password1]")).to_be_visible()
        check(page, "reset: enter the code page")
        code = code_in(inbox.read("password reset code", kind="password_reset_code"))
        with step("set a new password"):
            page.locator("input[name=code]").fill(code)
            page.locator("input[name=new_password1]").fill(journey.new_password)
            page.locator("input[name=new_password2]").fill(journey.new_password)
            submit(page)
            expect(page).to_have_url(re.compile(r"/password/reset/complete/"))
        check(page, "password changed page")
        log_in(page, journey, journey.new_password, check, "log in with the new password")
        with step("my cards after the reset"):
            expect(page.locator(f'main a[href$="/cards/{card.pk}/"]').first).to_be_visible()
        assert Card.objects.get(pk=card.pk).owner.check_password(journey.new_password)
    finally:
        context.close()
    checker.finish()
