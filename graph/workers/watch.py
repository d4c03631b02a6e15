"""A job watched from outside the process that runs it, under limits (``WorkerLimits``): the part every
supervisor shares, whether its worker is a forked process (``ProcessSite``) or a cluster actor (``RaySite``).

A time limit asks the job to stop cooperatively, then kills the worker after ``grace`` seconds; a memory limit
kills at once; an interrupt kills after ``grace``. Whatever ends the job, the outcome names the node and why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..events import EventSink
from ..jobs import INTERRUPTED
from .job import JobOutcome, JobTrail


@dataclass(frozen=True)
class WorkerLimits:
    """What a job may take before the supervisor stops it; None: no limit."""

    #: seconds between an interrupt and killing a worker whose node has not stopped
    grace: float = 2.0
    job_seconds: float | None = None
    node_seconds: float | None = None
    memory_bytes: int | None = None


class LimitedWatch(JobTrail):
    """A supervisor's watch over one job. Subclasses say how to reach their worker: ``stop_cooperatively``,
    ``kill_worker``, ``replace_worker`` (after a death or a kill), ``resident_bytes``, ``stop_requested_at``
    and ``crash_message``; their loop calls ``overdue`` between looks and ``finished`` / ``died`` at the end."""

    def __init__(self, job_id: str, sink: EventSink, limits: WorkerLimits) -> None:
        super().__init__(job_id, sink)
        self.limits = limits
        self.started = time.monotonic()
        self.limit_hit: str | None = None  # why the supervisor stopped the job, when a limit did
        self.limit_hit_at = 0.0

    # ---- how to reach the worker ------------------------------------------------------------------------
    def stop_cooperatively(self) -> None:
        raise NotImplementedError

    def kill_worker(self) -> None:
        raise NotImplementedError

    def replace_worker(self) -> None:
        raise NotImplementedError

    def resident_bytes(self) -> int | None:
        raise NotImplementedError

    def stop_requested_at(self) -> float | None:
        raise NotImplementedError

    def crash_message(self, cause: str) -> str:
        raise NotImplementedError

    # ---- ends of a job ------------------------------------------------------------------------------------
    def finished(self, outcome: JobOutcome) -> JobOutcome:
        if self.limit_hit is not None and outcome.status == INTERRUPTED:
            return self.failed(self.limit_hit, "LimitExceeded")  # stopped by a limit, at its next check
        return outcome

    def died(self, cause: str) -> JobOutcome:
        self.replace_worker()
        if self.limit_hit is not None:
            return self.failed(self.limit_hit, "LimitExceeded")
        return self.failed(self.crash_message(cause), "WorkerCrashed", crashed=True)

    def killed(self) -> JobOutcome:
        self.replace_worker()
        if self.limit_hit is not None:
            return self.failed(self.limit_hit, "LimitExceeded")
        return super().killed()

    def overdue(self) -> JobOutcome | None:
        """Enforce the limits and the interrupt's grace period; an outcome when the worker was killed."""
        now, limits = time.monotonic(), self.limits
        if self.limit_hit is None:
            self.limit_hit = self.limit_reached(now)
            if self.limit_hit is not None:
                self.limit_hit_at = now
                if "memory" in self.limit_hit:
                    return self.kill_now()
                self.stop_cooperatively()
        asked = self.stop_requested_at()
        since = self.limit_hit_at if self.limit_hit is not None else asked
        if since is not None and now - since > limits.grace:
            return self.kill_now()
        return None

    def kill_now(self) -> JobOutcome:
        self.kill_worker()
        return self.killed()

    def limit_reached(self, now: float) -> str | None:
        limits = self.limits
        if limits.job_seconds is not None and now - self.started > limits.job_seconds:
            return f"the job ran past its time limit of {limits.job_seconds:g} s (in {self.where()})"
        if limits.node_seconds is not None and self.node and now - self.node_started > limits.node_seconds:
            return f"{self.where()} ran past the node time limit of {limits.node_seconds:g} s"
        if limits.memory_bytes is not None:
            used = self.resident_bytes()
            if used is not None and used > limits.memory_bytes:
                return (f"{self.where()} took the worker to {used / 2**30:.2f} GiB, over its memory limit of "
                        f"{limits.memory_bytes / 2**30:.2f} GiB")
        return None
