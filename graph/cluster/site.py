"""``RaySite``: jobs run on a cluster worker — a Ray actor holding a warm executor — in the ``JobSite`` role.

The queue (SQLite on the head) stays the source of truth; the site only runs the job it is handed. The actor
keeps its executor, imports and memory cache from job to job, like ``ProcessSite``'s forked worker, and hands
the job's segment work on to the cluster as tasks (``RayMap``). Events stream back as they happen: the head
long-polls the actor. An actor that dies (its process killed, its node lost) fails the job as *crashed*, as a
dead worker process does, so the queue runs it once more; an interrupt is cooperative first, then, after
``grace`` seconds, the actor is killed and replaced. ``WorkerLimits`` apply as they do to a worker process (the
shared ``LimitedWatch``): the time limits stop the job cooperatively, then kill the actor; the memory limit is
the actor's resident memory, which it reports with each poll.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import replace
from typing import Any

from ..events import Event, EventSink, Interrupt, RunDone
from ..workers.job import JobOutcome, JobRequest, failed_outside_nodes, not_run, run_job
from ..workers.process import resident_bytes
from ..workers.watch import LimitedWatch, WorkerLimits
from .connect import connect, disconnect, ray_module
from .rayload import first_line
from .recipe import ExecutorRecipe
from .tasks import RayMap

log = logging.getLogger("worldgraph.cluster")
_POLL = 0.25  # seconds a poll of the actor waits for events


class JobActor:
    """The cluster side: one job at a time on a warm executor; events kept until the head polls for them."""

    def __init__(self, recipe: ExecutorRecipe) -> None:
        from .serial import register_serializers

        register_serializers(ray_module())
        self.executor = recipe.build(RayMap())
        self.flag = threading.Event()
        self.events: list[Event] = []
        self.changed = threading.Condition()

    def pid(self) -> int:
        return os.getpid()

    def run(self, request: JobRequest, stop_first: bool) -> JobOutcome:
        self.flag.clear()
        if stop_first:
            self.flag.set()
        try:
            return run_job(self.executor, request, self._keep, Interrupt(self.flag))
        except Exception as error:  # outside any node: the job's error, the actor lives on
            log.exception("job %s failed outside its nodes", request.job_id)
            return failed_outside_nodes(error)

    def _keep(self, event: Event) -> None:
        if isinstance(event, RunDone):
            event = RunDone(event.run_id, replace(event.result, values={}))  # values stay on the cluster
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def poll(self, timeout: float) -> tuple[list[Event], int | None]:
        """The events since the last poll (waiting up to ``timeout`` for one), and this process's resident bytes."""
        with self.changed:
            self.changed.wait_for(lambda: bool(self.events), timeout=timeout)
            events, self.events = self.events, []
        return events, resident_bytes()

    def interrupt(self) -> None:
        self.flag.set()


class RaySite:
    """Runs each job on a job actor on the cluster at ``address`` (see the module docstring)."""

    def __init__(self, recipe: ExecutorRecipe, address: str, num_cpus: int | None = None,
                 limits: WorkerLimits | None = None) -> None:
        self.recipe, self.address, self.num_cpus = recipe, address, num_cpus
        self.limits = limits or WorkerLimits()
        self.actor: Any = None
        self.worker_pid: int | None = None
        self.started = 0
        self._owns_cluster = False
        self._lock = threading.Lock()
        self._job_id: str | None = None
        self._stop_asked: tuple[str, float] | None = None  # (job id, when)
        self._idle = threading.Event()
        self._idle.set()
        self._closing = False

    def start(self) -> None:
        ray = ray_module()
        self._owns_cluster = not ray.is_initialized()
        connect(self.address, self.num_cpus)
        self._spawn()

    def _spawn(self) -> None:
        ray = ray_module()
        actor_class = ray.remote(JobActor).options(num_cpus=0, max_concurrency=4, max_restarts=0,
                                                   max_task_retries=0)
        self.actor = actor_class.remote(self.recipe)
        self.worker_pid = ray.get(self.actor.pid.remote())
        self.started += 1

    def _kill(self) -> None:
        if self.actor is not None:
            ray_module().kill(self.actor, no_restart=True)
        self.actor, self.worker_pid = None, None

    def interrupt(self, job_id: str) -> None:
        with self._lock:
            self._stop_asked = (job_id, time.monotonic())
            if job_id == self._job_id and self.actor is not None:
                self.actor.interrupt.remote()

    def close(self) -> None:
        with self._lock:
            self._closing = True
            if self._job_id is not None and self.actor is not None:
                self._stop_asked = (self._job_id, time.monotonic())
                self.actor.interrupt.remote()
        self._idle.wait(self.limits.grace + 2 * _POLL + 1.0)
        self._kill()
        if self._owns_cluster:
            disconnect()

    def run(self, request: JobRequest, sink: EventSink) -> JobOutcome:
        with self._lock:
            if self._closing:
                return not_run()
            self._job_id = request.job_id
            self._idle.clear()
            stop_first = self._stop_asked is not None and self._stop_asked[0] == request.job_id
            if stop_first:
                self._stop_asked = (request.job_id, time.monotonic())
        try:
            if self.actor is None:
                self._spawn()
            return _Watch(self, request, sink).until_done(self.actor.run.remote(request, stop_first))
        finally:
            with self._lock:
                self._job_id = None
                self._idle.set()

    def stop_requested_at(self, job_id: str) -> float | None:
        with self._lock:
            return self._stop_asked[1] if self._stop_asked and self._stop_asked[0] == job_id else None


class _Watch(LimitedWatch):
    """The head watching one job on its actor: forwards its events, enforces the limits, reports the actor's death."""

    def __init__(self, site: RaySite, request: JobRequest, sink: EventSink) -> None:
        super().__init__(request.job_id, sink, site.limits)
        self.site, self.request = site, request
        self.actor = site.actor
        self.resident: int | None = None

    def until_done(self, result: Any) -> JobOutcome:
        ray = ray_module()
        dead = (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError)
        while True:
            try:
                self.forward_poll(self.actor.poll.remote(_POLL))
                finished, _ = ray.wait([result], timeout=0)
                if finished:
                    outcome = ray.get(result)
                    self.forward_poll(self.actor.poll.remote(0.0))
                    return self.finished(outcome)
            except dead as error:
                cause = first_line(error)
                log.error("the cluster job worker died in job %s (%s): %s", self.request.job_id, self.where(), cause)
                return self.died(cause)
            overdue = self.overdue()
            if overdue is not None:
                return overdue

    def forward_poll(self, polled: Any) -> None:
        events, self.resident = ray_module().get(polled)
        for event in events:
            self.forward(event)

    def stop_cooperatively(self) -> None:
        self.actor.interrupt.remote()

    def kill_worker(self) -> None:
        self.site._kill()

    def replace_worker(self) -> None:
        self.site._kill()  # the next job spawns a fresh actor

    def resident_bytes(self) -> int | None:
        return self.resident

    def stop_requested_at(self) -> float | None:
        return self.site.stop_requested_at(self.request.job_id)

    def crash_message(self, cause: str) -> str:
        return f"{self.where()} lost its cluster worker: {cause}"
