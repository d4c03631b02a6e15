"""The ``async def`` work of a run's nodes, run at once on one event loop in a thread of the run's own.

A node's ``run`` may return an awaitable; the executor hands it to ``AsyncWork`` and goes on with the nodes
that do not need it, waiting only when nothing else can run (ComfyUI's async nodes: three one-second sleeps
take one second). Events the awaited code emits (progress) are queued here and passed on by the run's own
thread, so event sinks are only ever called from it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from .events import Event


class AsyncWork:
    def __init__(self, emit: Callable[[Event], None]) -> None:
        self._emit = emit
        self._owner = threading.get_ident()
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.futures: dict[str, concurrent.futures.Future[Any]] = {}

    def start(self, node_id: str, work: Awaitable[Any]) -> None:
        """Begin awaiting ``work`` for ``node_id`` (the loop starts with the first)."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="worldgraph-async", daemon=True)
            self._thread.start()

        async def awaited() -> Any:
            return await work

        self.futures[node_id] = asyncio.run_coroutine_threadsafe(awaited(), self._loop)

    def emit(self, event: Event) -> None:
        """Pass ``event`` on now from the run's thread; from the loop's, once the run's thread flushes."""
        if threading.get_ident() == self._owner:
            self._emit(event)
        else:
            self._events.put(event)

    def flush(self) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            self._emit(event)

    def wait_any(self, check: Callable[[], None],
                 tick: float = 0.05) -> list[tuple[str, concurrent.futures.Future[Any]]]:
        """Block until at least one awaited node is done (``check`` runs every ``tick``: it may raise to stop);
        those done, removed from the pending ones."""
        while True:
            self.flush()
            check()
            done, _ = concurrent.futures.wait(self.futures.values(), tick, concurrent.futures.FIRST_COMPLETED)
            if done:
                self.flush()
                finished = [(node_id, future) for node_id, future in self.futures.items() if future in done]
                for node_id, _ in finished:
                    del self.futures[node_id]
                return finished

    def close(self) -> None:
        """Cancel what is still awaited and stop the loop."""
        for future in self.futures.values():
            future.cancel()
        self.futures.clear()
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            if not self._thread.is_alive():
                self._loop.close()
        self.flush()
