"""``RayMap``: the ``parallel`` context item on a cluster — each piece of a node's work a Ray task.

A task whose worker process dies is retried on another (``max_retries``); one that raises is not (a node that
fails deterministically fails once). Results come back in order; closing the iterator cancels the rest.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .connect import ray_module

#: tries of a task after the first when its worker process dies under it
TASK_RETRIES = 3


def _run_piece(work: Callable[[int], Any], item: int) -> tuple[int, Any]:
    return os.getpid(), work(item)


class RayMap:
    """Runs ``work(item)`` as one Ray task per item (``num_cpus`` each); satisfies ``graph.ParallelMap``.

    ``pids`` records which worker processes ran pieces (for tests and the bench)."""

    def __init__(self, num_cpus: float = 1.0, retries: int = TASK_RETRIES) -> None:
        self.num_cpus, self.retries = num_cpus, retries
        self.pids: list[int] = []
        self._lock = threading.Lock()
        self._remote: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"num_cpus": self.num_cpus, "retries": self.retries}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["num_cpus"], state["retries"])  # type: ignore[misc]

    def _task(self) -> Any:
        if self._remote is None:
            ray = ray_module()
            self._remote = ray.remote(num_cpus=self.num_cpus, max_retries=self.retries,
                                      retry_exceptions=False)(_run_piece)
        return self._remote

    def __call__(self, work: Callable[[int], Any], items: Sequence[int]) -> Iterator[Any]:
        ray = ray_module()
        task = self._task()
        shared = ray.put(work)  # sent once, whatever the number of pieces
        refs = [task.remote(shared, item) for item in items]
        done = 0
        try:
            for ref in refs:
                try:
                    pid, result = ray.get(ref)
                except ray.exceptions.RayTaskError as error:
                    cause = error.cause  # the piece's own exception, as if it had been raised here
                    raise (cause if isinstance(cause, Exception) else error) from None
                done += 1
                with self._lock:
                    self.pids.append(pid)
                yield result
        finally:
            for ref in refs[done:]:
                with contextlib.suppress(Exception):
                    ray.cancel(ref)
