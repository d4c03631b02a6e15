"""``RayMap``: the ``parallel`` context item on a cluster — each piece of a node's work a Ray task, or, for pieces
that need a GPU, a call on one of the cluster's GPU workers (``gpus.py``), spread over them in turn.

A piece whose worker process dies is run again on another (``max_retries``); one that raises is not (a node that
fails deterministically fails once). Each piece is submitted as soon as it is drawn from the items, results come
back in order, and closing the iterator cancels the rest.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .connect import ray_module
from .gpus import TASK_RETRIES, gpu_workers

log = logging.getLogger("worldgraph.cluster")
_MIB = 2**20


def _run_piece(work: Callable[[int], Any], item: int) -> tuple[int, Any]:
    return os.getpid(), work(item)


class RayMap:
    """Runs ``work(item)`` as one Ray task per item (``num_cpus`` each), or on the GPU workers when the pieces need
    a GPU; satisfies ``graph.ParallelMap``. A cluster without GPUs runs GPU pieces as CPU tasks (slowly, as the
    embedded executor would on this machine) and says so once.

    ``pids`` records which worker processes ran pieces (for tests and the bench)."""

    def __init__(self, num_cpus: float = 1.0, retries: int = TASK_RETRIES) -> None:
        self.num_cpus, self.retries = num_cpus, retries
        self.pids: list[int] = []
        self._lock = threading.Lock()
        self._remote: Any = None
        self._warned = False

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

    def _submitter(self, gpu: bool, memory_mb: int) -> Callable[[Any, int], Any]:
        """How one piece is started: on the next GPU worker in turn, or as a task asking for ``memory_mb``."""
        if gpu:
            workers = gpu_workers()
            if workers:
                turn = itertools.cycle(workers)
                return lambda shared, item: next(turn).run.remote(shared, item)
            if not self._warned:
                self._warned = True
                log.warning("the cluster has no GPU: pieces that need one run as CPU tasks")
        task = self._task().options(memory=memory_mb * _MIB) if memory_mb else self._task()
        return lambda shared, item: task.remote(shared, item)

    def __call__(self, work: Callable[[int], Any], items: Iterable[int], gpu: bool = False,
                 memory_mb: int = 0) -> Iterator[Any]:
        ray = ray_module()
        start = self._submitter(gpu, memory_mb)
        shared = ray.put(work)  # sent once, whatever the number of pieces
        refs: list[Any] = []
        done = 0
        try:
            refs.extend(start(shared, item) for item in items)  # each submitted as soon as it is drawn
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
