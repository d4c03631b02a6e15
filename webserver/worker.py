"""The job worker and the event hub: one thread takes queued jobs one at a time to the job site (by default a
supervised worker process); their graph events become WebSocket messages (``protocol``) that the hub sends
to the client that queued the job, status to everyone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from typing import Any

from aiohttp import WSCloseCode, web

from graph import (Event, NodeCached, NodeDone, NodeFailed, NodeMessage, NodeProgress, NodeStarted, RunDone,
                   RunInterrupted, RunStarted)
from graph.jobs import ERROR, MAX_ATTEMPTS, Job, JobStore, poison_result
from graph.workers import JobOutcome, JobRequest, JobSite
from graph.workers.job import failed_outside_nodes
from webserver import protocol

log = logging.getLogger("worldgraph.server")


class Hub:
    """WebSocket clients by client id; events for a prompt go to its client, status to everyone."""

    def __init__(self) -> None:
        self.clients: dict[str, set[web.WebSocketResponse]] = {}

    def listening(self, client_id: str | None) -> bool:
        """Whether a message for ``client_id`` (None: everyone) would reach anybody."""
        return bool(self.clients.get(client_id) if client_id is not None else self.clients)

    async def send(self, message: dict[str, Any], client_id: str | None = None) -> None:
        ids = [client_id] if client_id else list(self.clients)
        text = protocol.dumps(message)
        for owner in ids:
            for ws in list(self.clients.get(owner, ())):
                try:
                    await ws.send_str(text)
                except (ConnectionError, RuntimeError):
                    self.clients.get(owner, set()).discard(ws)

    async def close_all(self) -> None:
        """Close every open WebSocket (the server is shutting down: clients should reconnect later)."""
        sockets = [ws for owned in self.clients.values() for ws in owned]
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
                               for ws in sockets), return_exceptions=True)


#: outcomes of ended jobs kept for interrupt answers
_ENDED_KEPT = 16


class Worker:
    """The queue's threads, one per site (a lane): each claims a job, runs it on its site (a supervised worker
    process, this process, or a cluster's job actor) and claims the next; events go back to the loop for the
    hub. Embedded there is one lane; on a cluster, one per job that may run at once."""

    def __init__(self, jobs: JobStore, sites: JobSite | Sequence[JobSite], hub: Hub) -> None:
        self.jobs, self.hub = jobs, hub
        self.sites: tuple[JobSite, ...] = (sites,) if not isinstance(sites, Sequence) else tuple(sites)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.wake = threading.Event()
        self.stopping = False
        self._running: dict[str, Job] = {}  # by id, in the order they were claimed
        self.threads: list[threading.Thread] = []
        self._ended: dict[str, JobOutcome] = {}  # the last jobs' outcomes, for interrupt answers
        self._ended_changed = threading.Condition()

    @property
    def site(self) -> JobSite:
        """The first lane's site (the only one, embedded)."""
        return self.sites[0]

    @property
    def current(self) -> Job | None:
        """The running job claimed first, if any."""
        return next(iter(list(self._running.values())), None)

    def running(self) -> list[Job]:
        return list(self._running.values())

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        for number, site in enumerate(self.sites):
            site.start()
            thread = threading.Thread(target=self.run, args=(site,), name=f"worldgraph-worker-{number}", daemon=True)
            thread.start()
            self.threads.append(thread)

    async def stop(self) -> None:
        """Stop the running jobs (cooperatively, then by force after the sites' grace period) and the threads."""
        self.stopping = True
        self.wake.set()
        for site in reversed(self.sites):  # the first site may own a cluster the others use: it closes last
            await asyncio.to_thread(site.close)
        for thread in self.threads:
            await asyncio.to_thread(thread.join, 10.0)

    def interrupt(self, job_id: str, wait: float) -> JobOutcome | None:
        """Ask the job ``job_id`` to stop and wait up to ``wait`` seconds for its outcome (blocking)."""
        for site in self.sites:  # the one running it stops it; the others remember it, should they claim it
            site.interrupt(job_id)
        with self._ended_changed:
            self._ended_changed.wait_for(lambda: job_id in self._ended, timeout=wait)
            return self._ended.get(job_id)

    def queue_remaining(self) -> int:
        """Pending jobs plus the running ones (a database read: call it off the loop)."""
        return self.jobs.pending_count() + len(self._running)

    def publish(self, message: dict[str, Any], client_id: str | None) -> None:
        if self.loop is None or not self.hub.listening(client_id):
            return  # nobody listens: spare the loop
        asyncio.run_coroutine_threadsafe(self.hub.send(message, client_id), self.loop)

    def status(self) -> None:
        self.publish(protocol.status(self.queue_remaining()), None)

    def run(self, site: JobSite) -> None:
        """One lane: claim, run on ``site``, settle, until stopped."""
        while not self.stopping:
            job = self.jobs.claim()
            if job is None:
                self.wake.wait(0.5)  # a lane that misses a wake-up another cleared looks again within 0.5 s
                self.wake.clear()
                continue
            self._running[job.id] = job
            self.status()
            forwarder = EventForwarder(self, job)
            try:
                outcome = site.run(JobRequest(job.id, job.workflow, job.outputs), forwarder)
            except Exception as error:  # a broken site or payload must not stop the queue
                log.exception("job %s failed outside its nodes", job.id)
                outcome = failed_outside_nodes(error)
            self.settle(job, outcome)
            forwarder.send_held()  # "done" only once /history has the job
            self._running.pop(job.id, None)
            with self._ended_changed:
                self._ended[job.id] = outcome
                while len(self._ended) > _ENDED_KEPT:
                    self._ended.pop(next(iter(self._ended)))
                self._ended_changed.notify_all()
            self.status()

    def settle(self, job: Job, outcome: JobOutcome) -> None:
        """Record the outcome; a job whose worker died gets one more run, then fails for good; one that never
        began goes back to the queue."""
        if not outcome.ran:
            self.jobs.release(job.id)
            return
        if outcome.crashed and not self.stopping:
            if self.jobs.retry(job.id):
                log.warning("job %s: %s; running it once more", job.id, outcome.result["error"]["message"])
                return
            error = outcome.result["error"]
            result = poison_result(f"{error['message']}, on each of its {MAX_ATTEMPTS} runs", error)
            self.jobs.finish(job.id, ERROR, {**result, "outputs": outcome.result.get("outputs", {})})
            return
        self.jobs.finish(job.id, outcome.status, outcome.result)


class EventForwarder:
    """One job's graph events as WebSocket messages to the client that queued it. The messages that end a job
    (success, error, interruption) are held until ``send_held``, which the lane calls once the outcome is in the
    job store: a client that reads ``/history/{id}`` when it hears "done" always finds the job there."""

    def __init__(self, worker: Worker, job: Job) -> None:
        self.worker, self.job = worker, job
        self.held: list[dict[str, Any]] = []
        self.announced: set[str] = set()
        #: ComfyUI's progress_state: each node that started so far, by id
        self.states: dict[str, dict[str, Any]] = {}

    def send(self, message: dict[str, Any]) -> None:
        self.worker.publish(message, self.job.client_id)

    def hold(self, message: dict[str, Any]) -> None:
        self.held.append(message)

    def send_held(self) -> None:
        for message in self.held:
            self.send(message)
        self.held.clear()

    def set_state(self, node_id: str, state: str, value: float = 0.0, maximum: float = 1.0) -> None:
        self.states[node_id] = protocol.node_state(self.job.id, node_id, state, value, maximum)
        self.send(protocol.progress_state(self.job.id, self.states))

    def __call__(self, event: Event) -> None:
        prompt_id = self.job.id
        if isinstance(event, RunStarted):
            self.send(protocol.execution_start(prompt_id, event.planned))
            self.announced = set(event.cached)
            self.send(protocol.execution_cached(prompt_id, event.cached))
        elif isinstance(event, NodeCached):
            if event.node_id not in self.announced:
                self.send(protocol.execution_cached(prompt_id, [event.node_id]))
            if event.ui:  # a cached output node shows its output again
                self.send(protocol.executed(prompt_id, event.node_id, event.ui))
        elif isinstance(event, NodeStarted):
            self.send(protocol.executing(prompt_id, event.node_id))
            self.set_state(event.node_id, "running")
        elif isinstance(event, NodeProgress):
            self.send(protocol.progress(prompt_id, event.node_id, event.value, event.maximum))
            self.set_state(event.node_id, "running", event.value, event.maximum or 0)
        elif isinstance(event, NodeDone):
            if event.ui:
                self.send(protocol.executed(prompt_id, event.node_id, event.ui))
            self.set_state(event.node_id, "finished", 1.0)
        elif isinstance(event, NodeMessage):  # a pack's own message (ComfyUI's send_sync)
            self.send({"type": event.kind, "data": event.data})
        elif isinstance(event, NodeFailed):
            self.set_state(event.error.node_id, "error")
            self.hold(protocol.execution_error(prompt_id, event.error))
        elif isinstance(event, RunDone):
            self.hold(protocol.executing(prompt_id, None))
            self.hold(protocol.execution_success(prompt_id))
        elif isinstance(event, RunInterrupted):
            self.hold(protocol.execution_interrupted(prompt_id, event.node_id, event.executed))
