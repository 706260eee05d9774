import pytest

from roamcard.testing import make_card, make_plan, make_region, make_user


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Attachments go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the code queued for after its transaction commits (the
    test's own transaction never does): provisioning, refunds, notifications, settling."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def korean_traveller(db):
    return make_user(
        email="minji@example.com",
        phone="+821012345678",
        phone_verified=True,
        preferred_language="ko",
        time_zone="Asia/Seoul",
    )


@pytest.fixture
def japan(db):
    return make_region(code="japan", name="Japan", countries=("JP",))


@pytest.fixture
def japan_card(korean_traveller, japan):
    return make_card(owner=korean_traveller, region=japan, label="일본 여행")


@pytest.fixture
def japan_plan(japan):
    return make_plan(
        region=japan, name="Japan 5 GB", data_bytes=5 * 1024**3, days=7, prices={"CNY": 6800}
    )
