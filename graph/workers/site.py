"""Where a job runs: the one abstraction the server's queue talks to.

A site runs one job at a time (``run`` blocks its caller, a queue thread) and can be asked to stop it
(``interrupt``). ``InProcessSite`` runs the job in the calling thread (tests, embedding); ``ProcessSite``
(``graph.workers.supervised``) in a supervised worker process; a cluster site runs it on a cluster's
worker the same way.
"""

from __future__ import annotations

from typing import Protocol

from ..events import EventSink, Interrupt
from ..executor import Executor
from .job import JobOutcome, JobRequest, not_run, run_job


class JobSite(Protocol):
    def start(self) -> None:
        """Get ready to run jobs (start a worker); called once, before the first ``run``."""

    def run(self, request: JobRequest, sink: EventSink) -> JobOutcome:
        """Run one job to its end, events to ``sink``; never raises for anything the job's nodes do."""

    def interrupt(self, job_id: str) -> None:
        """Ask the running job ``job_id`` to stop; ``run`` then returns it as interrupted."""

    def close(self) -> None:
        """Stop the running job, if any, and release the worker."""


class InProcessSite:
    """Runs jobs in the calling thread: no isolation, interrupts are cooperative only."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self._interrupt = Interrupt()
        self._job_id: str | None = None
        self._stop_asked_for: str | None = None  # an interrupt may come before the run starts
        self._closed = False

    def start(self) -> None:
        pass

    def run(self, request: JobRequest, sink: EventSink) -> JobOutcome:
        if self._closed:
            return not_run()
        self._interrupt.clear()
        self._job_id = request.job_id
        if self._stop_asked_for == request.job_id:
            self._interrupt.request()
        try:
            return run_job(self.executor, request, sink, self._interrupt)
        finally:
            self._job_id = None

    def interrupt(self, job_id: str) -> None:
        self._stop_asked_for = job_id
        if job_id == self._job_id:
            self._interrupt.request()

    def close(self) -> None:
        self._closed = True
        self._interrupt.request()
