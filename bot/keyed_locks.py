"""One asyncio lock per key (a person's user id), held only while someone uses it: a person's taps are handled one
after another within this process (a form's step, an office batch's ticks and confirm, a submission's messages),
while different people never wait for each other. Across instances the database's guarded updates decide."""

from __future__ import annotations

import asyncio
import weakref


class KeyedLocks:
    """``locks(key)``: the lock of ``key``; it is forgotten once nobody holds or waits for it (weak values)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, key: int) -> asyncio.Lock:
        """The lock of ``key``, made when nobody holds one."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock
