"""Revocation stamps: one value per key (a user id) that every process can read in
microseconds and that changes, for every process at once, when something a process may
have cached about that key must not be used any more.

A process that caches something for a few seconds (the API token check,
roamcard.accounts.tokens) notes the key's stamp *before* it reads the database and uses its
copy only while the stamp is unchanged; whatever revokes (a logout, a new password, a staff
action) bumps the stamp. So a revocation takes effect on the very next request everywhere,
and the cache saves the database read on every other request.

Where the stamps live (STAMPS_BACKEND, "auto" by default):

- "redis" (auto when the cache is Redis, i.e. REDIS_URL is set: any number of processes on
  any number of machines): one key per stamp in the shared cache, set to a new random value
  on each bump and read with one GET. If Redis cannot be read, a read raises and the caller
  goes to the database.
- "file" (auto on SQLite, the embedded default, whose processes are all on one machine,
  that of the database file): a shared memory map of 65,536 counters in VAR_DIR, bumped under
  a file lock; a read is a memory read. Keys share a slot when equal modulo 65,536, which
  only drops a little more than needed.
- "off" (auto on PostgreSQL without Redis: processes may be on several machines with
  nothing shared but the database): stamps_enabled() is False and callers do not cache."""

import fcntl
import mmap
import os
import secrets
import struct
import threading
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.dispatch import receiver


class Stamps(Protocol):
    def read(self, key: int) -> object: ...

    def bump(self, key: int) -> None: ...


class FileStamps:
    """Counters in a file every process maps into memory (MAP_SHARED): one machine."""

    SLOTS = 1 << 16
    _SLOT = struct.Struct("<Q")

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()  # flock does not exclude threads of one process
        self._pid = 0
        self._fd = -1
        self._map: mmap.mmap | None = None

    def _mapped(self) -> mmap.mmap:
        # Opened again in a forked child: a file lock is per open file, and the parent's
        # would not exclude the child.
        if self._map is None or self._pid != os.getpid():
            size = self.SLOTS * self._SLOT.size
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.fstat(fd).st_size < size:
                    os.ftruncate(fd, size)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._fd, self._map, self._pid = fd, mmap.mmap(fd, size), os.getpid()
        return self._map

    def read(self, key: int) -> object:
        return self._SLOT.unpack_from(self._mapped(), (key % self.SLOTS) * self._SLOT.size)[0]

    def bump(self, key: int) -> None:
        mapped = self._mapped()
        offset = (key % self.SLOTS) * self._SLOT.size
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                value = self._SLOT.unpack_from(mapped, offset)[0]
                self._SLOT.pack_into(mapped, offset, (value + 1) % 2**64)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)


class CacheStamps:
    """Stamps in Django's cache (Redis): every machine sees the same. Every value is new
    and random: a bump sets one, and so does the first read of a missing stamp. A stamp
    that expired, was evicted or flushed therefore never comes back to a value some process
    still holds: its copies are dropped, never trusted again."""

    TIMEOUT = 24 * 3600

    def __init__(self, prefix: str):
        self.prefix = prefix

    def read(self, key: int) -> object:
        from django.core.cache import cache

        name = f"{self.prefix}:{key}"
        value = cache.get(name)
        if value is None:
            cache.add(name, secrets.token_hex(8), timeout=self.TIMEOUT)
            value = cache.get(name)
        return object() if value is None else value  # a cache that keeps nothing: no match

    def bump(self, key: int) -> None:
        from django.core.cache import cache

        cache.set(f"{self.prefix}:{key}", secrets.token_hex(8), timeout=self.TIMEOUT)


def _backend_name() -> str:
    name = settings.STAMPS_BACKEND
    if name != "auto":
        return name
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        return "redis"
    if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        return "file"
    return "off"


@cache
def stamps_for(namespace: str) -> Stamps | None:
    """The stamps of `namespace` in this deployment, or None when there is no store every
    process shares (then nothing may be cached on them). Decided once per process."""
    backend = _backend_name()
    if backend == "redis":
        return CacheStamps(f"stamp:{namespace}")
    if backend == "file":
        return FileStamps(Path(settings.VAR_DIR) / f"stamps-{namespace}")
    return None


@receiver(setting_changed)
def _decide_again(*, setting: str, **_signal: object) -> None:
    """Tests that change where stamps would live get the stamps of their settings."""
    if setting in ("STAMPS_BACKEND", "CACHES", "DATABASES", "VAR_DIR"):
        stamps_for.cache_clear()


def stamp_bump(namespace: str, key: int) -> None:
    """Change the key's stamp now and again when the current transaction commits: a process
    that read the database between the two (and saw what is being revoked, not yet
    committed) drops its copy too."""
    stamps = stamps_for(namespace)
    if stamps is None:
        return
    if transaction.get_connection().in_atomic_block:
        stamps.bump(key)
    transaction.on_commit(lambda: stamps.bump(key))
