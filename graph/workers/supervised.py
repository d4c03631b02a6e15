"""``ProcessSite``: jobs run in a worker process this one supervises.

The worker is forked once and kept (warm: imports, compiled kernels and its memory cache survive from
job to job). Events come back over the pipe as they happen; values stay in the worker and in the shared
content store. Whatever a node does — exit, segfault, exhaust memory, hang — ends its job with an error
that names the node and the cause, the worker is replaced, and the next job runs:

- a worker that dies (an exit, a signal, the kernel's out-of-memory killer) fails the job as *crashed*;
- an interrupt sets a flag the node sees at its next check; after ``grace`` seconds the worker is killed;
- optional limits: seconds per job, seconds per node, resident bytes of the worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any

from ..events import (Event, EventSink, Interrupt, NodeDone, RunDone, RunResult)
from ..executor import Executor
from .job import JobOutcome, JobRequest, failed_outside_nodes, not_run, run_job
from .process import ChildProcess, SharedFlag, describe_exit, requests
from .watch import LimitedWatch, WorkerLimits

log = logging.getLogger("worldgraph.workers")
_TICK = 0.1  # seconds between looks at the worker while a job runs
#: jobs yield the cores to the server and its live sessions when both want them (and take them all otherwise):
#: on two cores a background render slows down while someone plays, rather than the play stuttering
JOB_NICENESS = 10


class ProcessSite:
    """Runs each job in a supervised worker process forked from this one (see the module docstring)."""

    def __init__(self, executor: Executor, limits: WorkerLimits | None = None) -> None:
        self.executor = executor
        self.limits = limits or WorkerLimits()
        self.flag = SharedFlag()
        self.worker = ChildProcess("worldgraph-job-worker", self._serve)
        self._lock = threading.Lock()
        self._job_id: str | None = None
        self._stop_asked: tuple[str, float] | None = None  # (job id, when)
        self._idle = threading.Event()
        self._idle.set()
        self._closing = False

    @property
    def worker_pid(self) -> int | None:
        return self.worker.pid

    @property
    def restarts(self) -> int:
        return max(0, self.worker.started - 1)

    def start(self) -> None:
        self.worker.start()

    def close(self) -> None:
        """Stop the running job (cooperatively, by force after the grace period), then the worker."""
        with self._lock:
            self._closing = True
            if self._job_id is not None:
                self._stop_asked = (self._job_id, time.monotonic())
                self.flag.set()
        self._idle.wait(self.limits.grace + 2 * _TICK + 1.0)
        self.worker.stop(self.limits.grace)

    def interrupt(self, job_id: str) -> None:
        with self._lock:
            self._stop_asked = (job_id, time.monotonic())
            if job_id == self._job_id:
                self.flag.set()

    # ---- the parent's side ------------------------------------------------------------------
    def run(self, request: JobRequest, sink: EventSink) -> JobOutcome:
        with self._lock:
            if self._closing:
                return not_run()
            self.flag.clear()
            self._job_id = request.job_id
            self._idle.clear()
            if self._stop_asked is not None and self._stop_asked[0] == request.job_id:
                self._stop_asked = (request.job_id, time.monotonic())
                self.flag.set()
        try:
            if not self.worker.alive():
                self.worker.restart()
            self.worker.send(request)
            return _Watch(self, request, sink).until_done()
        finally:
            with self._lock:
                self._job_id = None
                self._idle.set()

    def stop_requested_at(self, job_id: str) -> float | None:
        with self._lock:
            return self._stop_asked[1] if self._stop_asked and self._stop_asked[0] == job_id else None

    def replace_worker(self) -> None:
        """A fresh worker after a death or a kill (none while closing)."""
        if self._closing:
            self.worker.kill()
        else:
            self.worker.restart()

    # ---- the worker's side ------------------------------------------------------------------
    def _serve(self, conn: Connection) -> None:
        """The worker's loop: run each request sent until the parent sends None or goes away."""
        with contextlib.suppress(OSError):
            os.nice(JOB_NICENESS)
        interrupt = Interrupt(self.flag)
        for request in requests(conn):
            sink = _PipeSink(conn)
            try:
                outcome = run_job(self.executor, request, sink, interrupt)
            except Exception as error:  # outside any node: the job's error, the worker lives on
                log.exception("job %s failed outside its nodes", request.job_id)
                outcome = failed_outside_nodes(error)
            sink.send(("outcome", outcome))


class _PipeSink:
    """The worker's event sink: events to the parent, small (a run's values stay in the worker)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunDone):
            event = RunDone(event.run_id, replace(event.result, values={}))
        self.send(("event", event))

    def send(self, message: tuple[str, Any]) -> None:
        try:
            self.conn.send(message)
        except (pickle.PicklingError, TypeError, AttributeError):  # a node's odd UI payload
            self.conn.send(_plain(message))


def _plain(message: tuple[str, Any]) -> tuple[str, Any]:
    """``message`` with what cannot cross the pipe replaced by its repr."""
    kind, payload = message
    if isinstance(payload, NodeDone) and payload.ui:
        return kind, replace(payload, ui={k: repr(v) for k, v in payload.ui.items()})
    if isinstance(payload, JobOutcome):
        return kind, replace(payload, result=_repr_leaves(payload.result))
    if isinstance(payload, RunDone):
        return kind, RunDone(payload.run_id, RunResult(payload.run_id, payload.result.targets))
    return kind, repr(payload)


def _repr_leaves(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _repr_leaves(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_repr_leaves(v) for v in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


class _Watch(LimitedWatch):
    """The parent watching one job over the pipe to its worker process."""

    def __init__(self, site: ProcessSite, request: JobRequest, sink: EventSink) -> None:
        super().__init__(request.job_id, sink, site.limits)
        self.site, self.request = site, request

    def until_done(self) -> JobOutcome:
        worker = self.site.worker
        while True:
            received, message = worker.receive(_TICK)
            if received:
                kind, payload = message
                if kind == "outcome":
                    return self.finished(payload)
                self.forward(payload)
                continue
            if not worker.alive():
                cause = describe_exit(worker.exitcode)
                log.error("the job worker died in job %s (%s): %s", self.request.job_id, self.where(), cause)
                return self.died(cause)
            overdue = self.overdue()
            if overdue is not None:
                return overdue

    def stop_cooperatively(self) -> None:
        self.site.flag.set()

    def kill_worker(self) -> None:
        self.site.worker.kill()

    def replace_worker(self) -> None:
        self.site.replace_worker()

    def resident_bytes(self) -> int | None:
        return self.site.worker.resident_bytes()

    def stop_requested_at(self) -> float | None:
        return self.site.stop_requested_at(self.request.job_id)

    def crash_message(self, cause: str) -> str:
        return f"{self.where()} crashed the worker: {cause}"
