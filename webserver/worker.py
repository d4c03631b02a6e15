"""The job worker and the event hub: one thread takes queued jobs one at a time to the job site (by default a
supervised worker process); their graph events become WebSocket messages (``protocol``) that the hub sends
to the client that queued the job, status to everyone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from aiohttp import WSCloseCode, web

from graph import (Event, NodeCached, NodeDone, NodeFailed, NodeProgress, NodeStarted, RunDone, RunInterrupted,
                   RunStarted)
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


class Worker:
    """The queue's thread: claims jobs one at a time and runs each on the site (a supervised worker process,
    or this process); events go back to the loop for the hub."""

    def __init__(self, jobs: JobStore, site: JobSite, hub: Hub) -> None:
        self.jobs, self.site, self.hub = jobs, site, hub
        self.loop: asyncio.AbstractEventLoop | None = None
        self.wake = threading.Event()
        self.stopping = False
        self.current: Job | None = None
        self.thread: threading.Thread | None = None
        self._ended: dict[str, JobOutcome] = {}  # the last jobs' outcomes, for interrupt answers
        self._ended_changed = threading.Condition()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.site.start()
        self.thread = threading.Thread(target=self.run, name="worldgraph-worker", daemon=True)
        self.thread.start()

    async def stop(self) -> None:
        """Stop the running job (cooperatively, then by force after the site's grace period) and the thread."""
        self.stopping = True
        self.wake.set()
        await asyncio.to_thread(self.site.close)
        if self.thread is not None:
            await asyncio.to_thread(self.thread.join, 10.0)

    def interrupt(self, job_id: str, wait: float) -> JobOutcome | None:
        """Ask the running job ``job_id`` to stop and wait up to ``wait`` seconds for its outcome (blocking)."""
        self.site.interrupt(job_id)
        with self._ended_changed:
            self._ended_changed.wait_for(lambda: job_id in self._ended, timeout=wait)
            return self._ended.get(job_id)

    def queue_remaining(self) -> int:
        """Pending jobs plus the running one (a database read: call it off the loop)."""
        return self.jobs.pending_count() + (1 if self.current else 0)

    def publish(self, message: dict[str, Any], client_id: str | None) -> None:
        if self.loop is None or not self.hub.listening(client_id):
            return  # nobody listens: spare the loop
        asyncio.run_coroutine_threadsafe(self.hub.send(message, client_id), self.loop)

    def status(self) -> None:
        self.publish(protocol.status(self.queue_remaining()), None)

    def run(self) -> None:
        while not self.stopping:
            job = self.jobs.claim()
            if job is None:
                self.wake.wait(0.5)
                self.wake.clear()
                continue
            self.current = job
            self.status()
            try:
                outcome = self.site.run(JobRequest(job.id, job.workflow, job.outputs), EventForwarder(self, job))
            except Exception as error:  # a broken site or payload must not stop the queue
                log.exception("job %s failed outside its nodes", job.id)
                outcome = failed_outside_nodes(error)
            self.settle(job, outcome)
            self.current = None
            with self._ended_changed:
                self._ended = {job.id: outcome}
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
    """One job's graph events as WebSocket messages to the client that queued it."""

    def __init__(self, worker: Worker, job: Job) -> None:
        self.worker, self.job = worker, job

    def send(self, message: dict[str, Any]) -> None:
        self.worker.publish(message, self.job.client_id)

    def __call__(self, event: Event) -> None:
        prompt_id = self.job.id
        if isinstance(event, RunStarted):
            self.send(protocol.execution_start(prompt_id, event.planned))
        elif isinstance(event, NodeCached):
            self.send(protocol.execution_cached(prompt_id, [event.node_id]))
        elif isinstance(event, NodeStarted):
            self.send(protocol.executing(prompt_id, event.node_id))
        elif isinstance(event, NodeProgress):
            self.send(protocol.progress(prompt_id, event.node_id, event.value, event.maximum))
        elif isinstance(event, NodeDone) and event.ui:
            self.send(protocol.executed(prompt_id, event.node_id, event.ui))
        elif isinstance(event, NodeFailed):
            self.send(protocol.execution_error(prompt_id, event.error))
        elif isinstance(event, RunDone):
            self.send(protocol.executing(prompt_id, None))
            self.send(protocol.execution_success(prompt_id))
        elif isinstance(event, RunInterrupted):
            self.send(protocol.execution_interrupted(prompt_id, event.node_id, event.executed))
