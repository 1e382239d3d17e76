"""The store as the web app sees it: one DuckDB cursor per worker thread and a cache of computed results.

DuckDB connections must not be shared between threads; a cursor is a duplicate connection that may be
used by one thread at a time, so each worker thread gets its own. The store is read-only while the
server runs, so a result computed once for a query stays right until the server stops: the cache
needs no invalidation, only a size bound. Concurrent requests for the same uncached query wait for
one computation instead of each running it ("single flight").
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import anyio.to_thread

from vigia.errors import VigiaError
from vigia.store import Store

_MISSING = object()


class LRUCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
            else:
                self.hits += 1
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class _Failure:
    """A query that failed on bad input: cached too, so repeating it costs nothing."""

    def __init__(self, exc: VigiaError) -> None:
        self.exc = exc


class Backend:
    def __init__(self, store: Store, *, cache_size: int = 2048, owns_store: bool = False) -> None:
        self.store = store
        self.cache = LRUCache(cache_size)
        self._owns_store = owns_store
        self._local = threading.local()
        self._cursors: list = []
        self._generation = 0  # bumped by close(): threads then open fresh cursors instead of closed ones
        self._flights: dict[Hashable, threading.Lock] = {}
        self._flights_lock = threading.Lock()

    def cursor(self):
        generation, cur = getattr(self._local, "cursor", (None, None))
        if cur is None or generation != self._generation:
            cur = self.store.con.cursor()
            cur.execute("SET enable_progress_bar = false")  # a server has no terminal to draw it on
            self._local.cursor = (self._generation, cur)
            with self._flights_lock:
                self._cursors.append(cur)
        return cur

    def cached(self, key: Hashable) -> Any:
        """The cached value for `key` (re-raising a cached input error), or _MISSING."""
        value = self.cache.get(key)
        if isinstance(value, _Failure):
            raise value.exc
        return value

    def compute(self, key: Hashable, fn: Callable[[Any], Any]) -> Any:
        """fn(cursor), computed once per key; blocking (call from a worker thread)."""
        value = self.cached(key)
        if value is not _MISSING:
            return value
        with self._flights_lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            value = self.cached(key)
            if value is not _MISSING:
                return value
            try:
                value = fn(self.cursor())
            except VigiaError as exc:
                self.cache.put(key, _Failure(exc))
                raise
            finally:
                with self._flights_lock:
                    self._flights.pop(key, None)
            self.cache.put(key, value)
            return value

    async def acompute(self, key: Hashable, fn: Callable[[Any], Any]) -> Any:
        """As `compute`, but a cache hit is answered on the event loop without a thread hop."""
        value = self.cached(key)
        if value is not _MISSING:
            return value
        return await anyio.to_thread.run_sync(self.compute, key, fn)

    def close(self) -> None:
        with self._flights_lock:
            cursors, self._cursors = self._cursors, []
            self._generation += 1
        for cur in cursors:
            try:
                cur.close()
            except Exception:  # noqa: BLE001 - a cursor of a closed connection: nothing left to release
                pass
        if self._owns_store:
            self.store.close()


MISSING = _MISSING
