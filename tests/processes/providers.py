"""An SMS provider for tests that run several processes: what it saw is appended to a
journal file (SMS_JOURNAL), the provider's own storage, outside our database.

Its behaviour comes from the environment of the process using it:
SMS_SEND_SECONDS   how long a send takes before the provider accepts the message;
SMS_HANG_AFTER_ACCEPT=1   accept, then never answer (the process is to be killed)."""

import json
import os
import time
from pathlib import Path


def _journal() -> Path:
    return Path(os.environ["SMS_JOURNAL"])


def _write(**entry) -> None:
    with _journal().open("a") as journal:
        journal.write(json.dumps(entry) + "\n")
        journal.flush()
        os.fsync(journal.fileno())


def read_journal(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class JournalSmsProvider:
    def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        _write(event="started", key=idempotency_key, to=to, pid=os.getpid())
        time.sleep(float(os.environ.get("SMS_SEND_SECONDS", "0")))
        accepted = self.lookup(idempotency_key=idempotency_key, record=False)
        provider_id = accepted or f"JN-{idempotency_key[:8]}"
        if not accepted:
            _write(event="accepted", key=idempotency_key, id=provider_id)
        if os.environ.get("SMS_HANG_AFTER_ACCEPT") == "1":
            time.sleep(600)
        return provider_id

    def lookup(self, *, idempotency_key: str, record: bool = True) -> str | None:
        if record:
            _write(event="lookup", key=idempotency_key)
        for entry in read_journal(_journal()):
            if entry["event"] == "accepted" and entry["key"] == idempotency_key:
                return entry["id"]
        return None
