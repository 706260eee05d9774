"""Loading the demo data. Safe to run again and again: it creates what is missing, and
brings the catalogue (names in every language, prices in every currency) up to date."""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from roamcard.autorenewal.choices import RenewalStart
from roamcard.autorenewal.models import RenewalPolicy
from roamcard.autorenewal.policies import PolicyInput, policy_update
from roamcard.cards.choices import CardForm, CardStatus, StartMode
from roamcard.cards.iccid import iccid_with_check_digit
from roamcard.cards.models import Bucket, Card
from roamcard.cards.passwords import hash_card_password
from roamcard.catalog.choices import PlanKind
from roamcard.catalog.models import Plan, PlanPrice, Region
from roamcard.catalog.prices import minor_units
from roamcard.help.models import SupportContact
from roamcard.help.services import help_load_defaults
from roamcard.ledger.services import ledger_post_data_grant, ledger_post_data_usage
from roamcard.payments.gateways.base import PaymentMethod
from roamcard.payments.selectors import saved_methods_of
from roamcard.payments.services import payment_setup_start, payment_setup_sync
from roamcard.sandbox.services import sandbox_save_card
from roamcard.support.models import Ticket
from roamcard.support.services import saved_replies_load, ticket_open, ticket_reply_by_staff
from roamcard.support.standard_replies import DEFAULT_APN, STANDARD_REPLIES

from .catalogue import PLANS, REGIONS
from .history import demo_seed_history
from .questions import DAY_PASS_START, NO_DATA_IN_PARIS, DemoQuestion

TRAVELLER_EMAIL = "demo@roamcard.test"
TRAVELLER_PHONE = "+85261234567"
TRAVELLER_PASSWORD = "roamcard-demo"
STAFF_EMAIL = "staff@roamcard.test"
STAFF_PASSWORD = "roamcard-staff"
# A fixed TOTP secret, so the demo staff login works at once: `roamcard demo-totp` prints
# the current code. Never do this outside the demo.
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPROAMCARDDEMO2345"
UNBOUND_CARD_COUNT = 20
BOUND_CARD_COUNT = 3
# Demo card numbers and passwords come from a fixed seed, so every run prints the same ones.
SEED = 20261125
# The sandbox's test card whose later charges (without the traveller) succeed.
SANDBOX_SAVING_CARD = "4242424242424242"


@dataclass
class DemoCard:
    iccid: str
    password: str
    form: str
    region: str


@dataclass
class DemoSummary:
    traveller_email: str = TRAVELLER_EMAIL
    traveller_phone: str = TRAVELLER_PHONE
    traveller_password: str = TRAVELLER_PASSWORD
    staff_email: str = STAFF_EMAIL
    staff_password: str = STAFF_PASSWORD
    unbound_cards: list[DemoCard] = field(default_factory=list)
    created: int = 0


def _demo_cards() -> list[DemoCard]:
    rng = random.Random(SEED)
    region_codes = [region.code for region in REGIONS]
    cards = []
    for n in range(BOUND_CARD_COUNT + UNBOUND_CARD_COUNT):
        iccid = iccid_with_check_digit(f"898520{2026_0000_0000 + n:012d}")
        password = (
            f"{rng.randrange(10**5, 10**6):06d}" if n % 3 else f"{rng.randrange(10**7, 10**8)}"
        )
        form = CardForm.ESIM if n % 4 == 1 else CardForm.PHYSICAL
        cards.append(DemoCard(iccid, password, form, region_codes[n % len(region_codes)]))
    return cards


def _in_each_language(field: str, texts: dict[str, str]) -> dict[str, str]:
    """{"en": "Japan", ...} as the model's columns: {"name_en": "Japan", ...}."""
    return {build_localized_fieldname(field, language): text for language, text in texts.items()}


def _seed_catalogue() -> int:
    """Creates the regions, plans and prices that are missing and updates the others, so a
    demo database loaded by an older version gets every name and price too."""
    created = 0
    for order, demo_region in enumerate(REGIONS):
        region, made = Region.objects.update_or_create(
            code=demo_region.code,
            defaults={
                **_in_each_language("name", demo_region.name),
                "countries": demo_region.countries,
                "sort_order": order,
            },
        )
        created += made
        for plan_order, demo_plan in enumerate(PLANS[demo_region.code]):
            plan, made = Plan.objects.update_or_create(
                code=demo_plan.code,
                defaults={
                    **_in_each_language("name", demo_plan.name),
                    **_in_each_language("description", demo_plan.description),
                    "kind": demo_plan.kind,
                    "region": region,
                    "data_bytes": demo_plan.data_bytes,
                    "fair_use_kbps": demo_plan.fair_use_kbps,
                    "validity_days": demo_plan.days,
                    "sort_order": plan_order,
                },
            )
            created += made
            for currency, amount in demo_plan.prices.items():
                _, made = PlanPrice.objects.update_or_create(
                    plan=plan,
                    currency=currency,
                    defaults={"amount_minor": minor_units(amount, currency)},
                )
                created += made
    return created


def _seed_user(*, email: str, password: str, phone: str | None = None, staff: bool = False):
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            username=email.split("@")[0],
            email=email,
            phone=phone,
            phone_verified=bool(phone),
            password=password,
            is_staff=staff,
            is_superuser=staff,
            preferred_currency="CNY" if not staff else "USD",
        )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
    return user


def _seed_staff_totp(user) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(STAFF_TOTP_SECRET)}
        )


def _seed_card(demo: DemoCard, *, owner=None) -> tuple[Card, bool]:
    card = Card.objects.filter(iccid=demo.iccid).first()
    if card is not None:
        return card, False
    region = Region.objects.get(code=demo.region)
    activation = ""
    if demo.form == CardForm.ESIM:
        activation = f"LPA:1$smdp.roamcard.test${demo.iccid[-10:]}-DEMO"
    card = Card.objects.create(
        iccid=demo.iccid,
        password_hash=hash_card_password(iccid=demo.iccid, password=demo.password),
        form=demo.form,
        region=region,
        activation_code=activation,
        owner=owner,
        bound_at=timezone.now() if owner else None,
        status=CardStatus.ACTIVE if owner else CardStatus.IN_STOCK,
    )
    return card, True


def _seed_buckets(card: Card, *, plan_codes: list[str], used_fraction: float) -> None:
    if card.buckets.exists():
        return
    # Bought two days ago, one after the other, as a traveller's renewals start by default
    # (docs/decisions/0003-renewal-validity.md): the first of a coverage at once, the next
    # of the same coverage queued after it, a day pass on its first use.
    bought = timezone.now() - timedelta(days=2)
    queue_end: dict[int, datetime] = {}
    for index, code in enumerate(plan_codes):
        plan = Plan.objects.get(code=code)
        granted = plan.data_bytes
        # Usage goes to the allowance that expires first: only the first one is used.
        used = used_fraction if index == 0 else 0
        remaining = None if granted is None else int(granted * (1 - used))
        days = timedelta(days=plan.validity_days)
        if PlanKind(plan.kind).starts_on_first_use:
            starts, start, end = StartMode.FIRST_USE, None, None
        elif plan.region_id in queue_end:
            starts, start = StartMode.QUEUED, queue_end[plan.region_id]
            end = start + days
        else:
            starts, start = StartMode.NOW, bought
            end = start + days
        if end is not None:
            queue_end[plan.region_id] = end
        bucket = Bucket.objects.create(
            card=card,
            plan=plan,
            region=plan.region,
            bytes_granted=granted,
            bytes_remaining=remaining,
            starts=starts,
            validity_days=plan.validity_days,
            valid_from=start,
            valid_until=end,
            activate_by=(
                bought + timedelta(days=settings.BUCKET_FIRST_USE_WITHIN_DAYS)
                if start is None
                else None
            ),
        )
        # The books must agree with the buckets, as for every real purchase and usage.
        if granted:
            ledger_post_data_grant(
                key=f"demo:bucket:{bucket.pk}:grant",
                card_id=card.pk,
                bytes_granted=granted,
                memo=plan.name,
            )
            if granted - remaining:
                ledger_post_data_usage(
                    key=f"demo:bucket:{bucket.pk}:usage",
                    card_id=card.pk,
                    bytes_used=granted - remaining,
                    memo="demo usage",
                )


def _seed_saved_card(traveller):
    """The traveller saves the sandbox's test card whose later charges succeed, through the
    pages' own steps: the setup, the sandbox's page, the return."""
    setup = payment_setup_start(user=traveller, method=PaymentMethod.CARD)
    sandbox_save_card(mandate_id=setup.reference, number=SANDBOX_SAVING_CARD, expiry=(12, 2031))
    return payment_setup_sync(setup_id=setup.pk).saved_method


def _seed_auto_renewal(traveller, card: Card, *, plan_code: str) -> int:
    """Automatic renewal on for the card (docs/decisions/0010), paid with a saved sandbox
    card: as the simulated network uses its data, it is announced below 10 % (a minute's
    notice, with its skip link, in the dev inbox), then renews itself, queued after what is
    left. Once: its cap is one automatic renewal in 30 days, so the next time it runs low
    the traveller is told the cap stopped it."""
    if RenewalPolicy.objects.filter(card=card).exists():
        return 0
    method = saved_methods_of(user=traveller).first() or _seed_saved_card(traveller)
    policy_update(
        user=traveller,
        card_id=card.pk,
        data=PolicyInput(
            enabled=True,
            plan_id=Plan.objects.get(code=plan_code).pk,
            currency="CNY",
            saved_method_id=method.pk,
            starts=RenewalStart.QUEUED,
            trigger_percent=10,
            trigger_mb=None,
            trigger_hours=24,
            max_renewals=1,
            monthly_limit_minor=None,
            notice_minutes=1,
        ),
    )
    return 1


@transaction.atomic  # asked and answered together, or not at all
def _seed_question(traveller, staff, question: DemoQuestion, *, card: Card) -> int:
    """The traveller asks about `card` in their language, through the traveller's service;
    customer service answers with the saved reply, through staff's (the traveller is told,
    as for any answer). Once: a question already asked, in any language, is left alone."""
    if Ticket.objects.filter(traveller=traveller, subject__in=question.subject.values()).exists():
        return 0
    language = traveller.preferred_language
    if language not in question.subject:
        language = "en"
    ticket = ticket_open(
        traveller=traveller,
        subject=question.subject[language],
        body=question.body[language],
        topic=question.topic,
        card_id=card.pk,
        language=language,
    )
    if question.answered_with:
        [reply] = [r for r in STANDARD_REPLIES if r.key == question.answered_with]
        ticket_reply_by_staff(ticket=ticket, staff=staff, body=reply.body[language])
    return 1


@transaction.atomic
def _seed_support_contact() -> int:
    """A Hong Kong provider's customer service, every day 09:00–21:00 Hong Kong time, in
    the app's five languages. Only when there is none yet: staff edits are kept."""
    _, made = SupportContact.objects.get_or_create(
        pk=SupportContact.SINGLETON_PK,
        defaults={
            "days": [0, 1, 2, 3, 4, 5, 6],
            "opens_at": time(9, 0),
            "closes_at": time(21, 0),
            "time_zone": "Asia/Hong_Kong",
            "languages": [code for code, _name in settings.LANGUAGES],
            "email": "support@roamcard.test",
            "phone": "+85221234567",
            "whatsapp": "+85261234567",
            "wechat": "roamcard_hk",
            "line": "@roamcard",
            "kakaotalk": "_roamcard",
        },
    )
    return int(made)


@transaction.atomic
def demo_seed() -> DemoSummary:
    summary = DemoSummary()
    summary.created += _seed_catalogue()
    summary.created += help_load_defaults().created
    summary.created += _seed_support_contact()
    traveller = _seed_user(
        email=TRAVELLER_EMAIL, password=TRAVELLER_PASSWORD, phone=TRAVELLER_PHONE
    )
    staff = _seed_user(email=STAFF_EMAIL, password=STAFF_PASSWORD, staff=True)
    _seed_staff_totp(staff)

    # The traveller's cards are the first two numbers and the last: the third came later,
    # and took the next number so that the cards to bind stay the ones printed before.
    cards = _demo_cards()
    bound, unbound = [*cards[:2], cards[-1]], cards[2:-1]
    # Each close to an alert once the simulated network reports usage (roamcard.simnet.
    # traffic, about 600 MB a minute): Europe crosses 50 % within a minute, Japan 20 %
    # within seconds (and 10 % in about two minutes, where it renews itself), and the
    # South-East Asia day pass starts on its first use and crosses every threshold in two
    # minutes.
    europe_card, made = _seed_card(
        DemoCard(bound[0].iccid, bound[0].password, CardForm.PHYSICAL, "europe-33"), owner=traveller
    )
    summary.created += made
    _seed_buckets(
        europe_card, plan_codes=["europe-week-5-gb", "europe-month-20-gb"], used_fraction=0.45
    )
    japan_card, made = _seed_card(
        DemoCard(bound[1].iccid, bound[1].password, CardForm.ESIM, "japan"), owner=traveller
    )
    summary.created += made
    _seed_buckets(japan_card, plan_codes=["japan-week-10-gb"], used_fraction=0.78)
    summary.created += _seed_auto_renewal(traveller, japan_card, plan_code="japan-week-10-gb")
    asia_card, made = _seed_card(
        DemoCard(bound[2].iccid, bound[2].password, CardForm.ESIM, "south-east-asia"),
        owner=traveller,
    )
    summary.created += made
    _seed_buckets(asia_card, plan_codes=["south-east-asia-day-pass-1-gb"], used_fraction=0)

    # Customer service: the saved replies, and the traveller's questions (one answered with
    # one of them, one waiting in the back office's queue).
    summary.created += len(saved_replies_load(apn=DEFAULT_APN).created)
    summary.created += _seed_question(traveller, staff, NO_DATA_IN_PARIS, card=europe_card)
    summary.created += _seed_question(traveller, staff, DAY_PASS_START, card=asia_card)

    for demo in unbound:
        card, made = _seed_card(demo)
        summary.created += made
        if card.owner_id is None and card.status == CardStatus.IN_STOCK:
            summary.unbound_cards.append(demo)
    # Sixty days of other travellers' renewals, for the back office's reports.
    summary.created += demo_seed_history()
    return summary


def demo_totp_code() -> str:
    """The demo staff member's current authenticator code."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(
        hotp_value(STAFF_TOTP_SECRET, int(time.time()) // app_settings.TOTP_PERIOD)
    )
