"""The job worker and the event hub: one thread runs queued jobs one at a time; their graph events become
WebSocket messages (``protocol``) that the hub sends to the client that queued the job, status to everyone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from aiohttp import WSCloseCode, web

from graph import (Event, Executor, Interrupt, Interrupted, NodeCached, NodeDone, NodeExecutionError, NodeFailed,
                   NodeProgress, NodeStarted, RunDone, RunInterrupted, RunStarted, Workflow, WorkflowError)
from graph.jobs import ERROR, INTERRUPTED, SUCCESS, Job, JobStore
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
    """Runs queued jobs one at a time in a thread; events go back to the loop for the hub."""

    def __init__(self, jobs: JobStore, executor: Executor, hub: Hub) -> None:
        self.jobs, self.executor, self.hub = jobs, executor, hub
        self.loop: asyncio.AbstractEventLoop | None = None
        self.wake = threading.Event()
        self.stopping = False
        self.interrupt = Interrupt()
        self.current: Job | None = None
        self.thread: threading.Thread | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.thread = threading.Thread(target=self.run, name="worldgraph-worker", daemon=True)
        self.thread.start()

    async def stop(self) -> None:
        """Interrupt the running job at its next node boundary or progress tick and wait for the thread."""
        self.stopping = True
        self.interrupt.request()
        self.wake.set()
        if self.thread is not None:
            await asyncio.to_thread(self.thread.join, 10.0)

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
            self.interrupt.clear()  # before the job is visible, so no interrupt for it can be lost
            self.current = job
            self.status()
            try:
                status, result = self.execute(job)
                self.jobs.finish(job.id, status, result)
            except Exception as error:  # a broken node or payload must not stop the queue
                log.exception("job %s failed outside its nodes", job.id)
                self.jobs.finish(job.id, ERROR, {"error": {"message": f"{type(error).__name__}: {error}"},
                                                 "outputs": {}})
            self.current = None
            self.status()

    def execute(self, job: Job) -> tuple[str, dict[str, Any]]:
        sink = EventForwarder(self, job)
        try:
            workflow = Workflow.from_dict(job.workflow, self.executor.registry)
            result = self.executor.run(workflow, job.outputs, on_event=sink, interrupt=self.interrupt, run_id=job.id)
        except NodeExecutionError as error:
            return ERROR, {"error": error.to_dict(), "outputs": sink.outputs}
        except Interrupted as interrupted:
            return INTERRUPTED, {"node_id": interrupted.node_id, "executed": interrupted.executed,
                                 "outputs": sink.outputs}
        except WorkflowError as error:  # the registry changed since the job was queued
            return ERROR, {"error": {"message": str(error)}, "outputs": {}}
        return SUCCESS, {"outputs": {k: dict(v) for k, v in result.ui.items()}, "executed": result.executed,
                         "cached": result.cached, "seconds": result.seconds}


class EventForwarder:
    """One job's graph events as WebSocket messages to the client that queued it; keeps its UI outputs."""

    def __init__(self, worker: Worker, job: Job) -> None:
        self.worker, self.job = worker, job
        self.outputs: dict[str, Any] = {}

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
            self.outputs[event.node_id] = dict(event.ui)
            self.send(protocol.executed(prompt_id, event.node_id, event.ui))
        elif isinstance(event, NodeFailed):
            self.send(protocol.execution_error(prompt_id, event.error))
        elif isinstance(event, RunDone):
            self.send(protocol.executing(prompt_id, None))
            self.send(protocol.execution_success(prompt_id))
        elif isinstance(event, RunInterrupted):
            self.send(protocol.execution_interrupted(prompt_id, event.node_id, event.executed))
