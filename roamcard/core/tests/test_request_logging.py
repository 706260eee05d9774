"""Logs an operator can follow: one id per request, in the answer, on every line, carried
into the tasks the request enqueued; JSON lines in production; no secrets."""

import contextvars
import json
import logging

import pytest
from huey.contrib.djhuey import HUEY

from roamcard.core.logcontext import ContextFilter, request_id_var
from roamcard.core.tasks import enqueue, job
from roamcard.testing import make_card, make_region

pytestmark = pytest.mark.django_db

seen: list[tuple[str | None, str]] = []


@job("test.note_request_id")
@HUEY.task(context=True)
def note_request_id(task=None):
    logging.getLogger("roamcard.test").info("inside the task")
    seen.append((request_id_var.get(), task.id))


@pytest.fixture(autouse=True)
def _fresh():
    seen.clear()


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "roamcard.request"]


def test_a_request_gets_an_id_returned_in_the_answer_and_logged(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/store/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = request_lines(caplog)
    assert line.request_id == request_id
    assert (line.method, line.route, line.status) == ("GET", "/store/", 200)
    assert line.duration_ms >= 0
    assert line.user_id is None
    assert line.getMessage() == "GET /store/ 200"


def test_a_sane_incoming_id_is_kept_and_an_insane_one_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42:abc_DEF")
    assert kept["X-Request-ID"] == "lb-7f3a.42:abc_DEF"
    for insane in ("has spaces", "x" * 129, "line\nbreak", 'quote"s', ""):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=insane)["X-Request-ID"]
        assert answered != insane and len(answered) == 32


def test_the_signed_in_users_id_is_on_the_line(client, traveller, caplog):
    caplog.set_level(logging.INFO)
    client.force_login(traveller)
    client.get("/cards/")
    [line] = request_lines(caplog)
    assert line.user_id == traveller.pk


def test_a_job_enqueued_during_a_request_carries_its_id_and_the_worker_restores_it():
    token = request_id_var.set("req-123")
    try:
        enqueue("test.note_request_id")  # immediate in tests: runs now
    finally:
        request_id_var.reset(token)
    [(inside, task_id)] = seen
    assert inside == "req-123"
    assert task_id.startswith("req-123+")

    # A worker runs the task in a context that knows nothing of the request: the hook
    # restores the id from the task's id, and takes it away afterwards.
    seen.clear()
    task = note_request_id.s(id="req-456+0123abcd")
    contextvars.Context().run(HUEY.execute, task)
    assert seen == [("req-456", "req-456+0123abcd")]
    assert request_id_var.get() is None


def test_a_task_outside_any_request_has_its_own_id_for_its_follow_ups():
    contextvars.Context().run(HUEY.execute, note_request_id.s(id="0f0f0f"))
    assert seen == [("0f0f0f", "0f0f0f")]


def test_production_lines_are_one_json_object_each(client, settings):
    from config.settings.base import logging_config

    config = logging_config("json")
    formatter_config = dict(config["formatters"]["json"])
    formatter_class = formatter_config.pop("()")
    module, _, name = formatter_class.rpartition(".")
    formatter = getattr(__import__(module, fromlist=[name]), name)(**formatter_config)
    record = logging.LogRecord(
        "roamcard.request", logging.INFO, __file__, 1, "GET %s 200", ("/x",), None
    )
    record.route, record.status = "/x", 200
    token = request_id_var.set("req-json")
    try:
        ContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = formatter.format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "INFO"
    assert data["logger"] == "roamcard.request"
    assert data["message"] == "GET /x 200"
    assert data["request_id"] == "req-json"
    assert data["route"] == "/x" and data["status"] == 200
    assert data["timestamp"].startswith("20")


def test_binding_a_card_logs_neither_its_password_nor_the_raw_path(client, traveller, caplog):
    caplog.set_level(logging.DEBUG)
    card = make_card(region=make_region(), password="735194")
    client.force_login(traveller)
    client.post("/cards/bind/", {"iccid": card.iccid, "card_password": "735194"})
    client.get("/cards/?token=secret-in-query")
    text = "\n".join(
        f"{r.getMessage()} {json.dumps({k: str(v) for k, v in vars(r).items()})}"
        for r in caplog.records
    )
    assert "735194" not in text
    assert "secret-in-query" not in text
