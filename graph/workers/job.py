"""One job, wherever it runs: what is asked (``JobRequest``), what came of it (``JobOutcome``), and
``run_job``, the one place a job's workflow is built and executed and its result shaped for the history.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import Interrupted, NodeExecutionError, WorkflowError
from ..events import Event, EventSink, Interrupt, NodeDone, NodeFailed, NodeStarted, RunInterrupted
from ..executor import Executor
from ..jobs import ERROR, INTERRUPTED, SUCCESS
from ..workflow import Workflow

#: How a job that was asked to stop stopped: at a node's check, or by killing the process running it.
Stopped = Literal["cooperative", "killed"]


@dataclass(frozen=True)
class JobRequest:
    job_id: str
    workflow: dict[str, Any]
    outputs: list[str] | None = None


@dataclass
class JobOutcome:
    """``status`` is one of graph.jobs' finished states; ``result`` is what the history keeps.

    ``crashed`` says the process running the job died under it (the job may be worth one more try);
    ``stopped`` says how an interrupted job stopped; ``ran`` is False for a job the site closed before it
    began (it belongs back in the queue).
    """

    status: str
    result: dict[str, Any]
    crashed: bool = False
    stopped: Stopped | None = None
    ran: bool = True


@dataclass
class _UiCollector:
    """Forwards events and keeps the UI payloads of the nodes that finished (the partial outputs of a failure)."""

    sink: EventSink
    outputs: dict[str, Any] = field(default_factory=dict)

    def __call__(self, event: Event) -> None:
        if isinstance(event, NodeDone) and event.ui:
            self.outputs[event.node_id] = dict(event.ui)
        self.sink(event)


def failed_outside_nodes(error: Exception) -> JobOutcome:
    """The outcome of a job that failed in no node (a broken payload or site): the error's type and text."""
    return JobOutcome(ERROR, {"error": {"message": f"{type(error).__name__}: {error}"}, "outputs": {}})


def not_run() -> JobOutcome:
    """The outcome of a job its site was closed before it began."""
    return JobOutcome(INTERRUPTED, {"node_id": None, "executed": [], "outputs": {}}, ran=False)


def run_job(executor: Executor, request: JobRequest, sink: EventSink, interrupt: Interrupt) -> JobOutcome:
    """Run one job to its end; node failures, interrupts and a registry that changed since the job was
    queued are outcomes, not exceptions."""
    collector = _UiCollector(sink)
    try:
        workflow = Workflow.from_dict(request.workflow, executor.registry)
        result = executor.run(workflow, request.outputs, on_event=collector, interrupt=interrupt,
                              run_id=request.job_id)
    except NodeExecutionError as error:
        return JobOutcome(ERROR, {"error": error.to_dict(), "outputs": collector.outputs})
    except Interrupted as interrupted:
        return JobOutcome(INTERRUPTED, {"node_id": interrupted.node_id, "executed": interrupted.executed,
                                        "outputs": collector.outputs}, stopped="cooperative")
    except WorkflowError as error:
        return JobOutcome(ERROR, {"error": {"message": str(error)}, "outputs": {}})
    return JobOutcome(SUCCESS, {"outputs": {k: dict(v) for k, v in result.ui.items()}, "executed": result.executed,
                                "cached": result.cached, "seconds": result.seconds})


class JobTrail:
    """What a supervisor watching a job from outside its worker knows of it: the node running now, the nodes done
    and their outputs (from the events it forwards to ``sink``), and the outcomes it reports when it ends the job
    itself. ``ProcessSite`` and the cluster's ``RaySite`` watch their jobs with one each."""

    def __init__(self, job_id: str, sink: EventSink) -> None:
        self.job_id, self.sink = job_id, sink
        self.node: tuple[str, str] | None = None  # (node id, class) running now
        self.node_started = 0.0
        self.executed: list[str] = []
        self.outputs: dict[str, Any] = {}

    def forward(self, event: Event) -> None:
        if isinstance(event, NodeStarted):
            self.node, self.node_started = (event.node_id, event.class_type), time.monotonic()
        elif isinstance(event, NodeDone):
            self.node = None
            self.executed.append(event.node_id)
            if event.ui:
                self.outputs[event.node_id] = dict(event.ui)
        self.sink(event)

    def where(self) -> str:
        return f"node {self.node[0]} ({self.node[1]})" if self.node else "the job, between nodes,"

    def failed(self, message: str, exception_type: str, crashed: bool = False) -> JobOutcome:
        """The job ended by its supervisor, as the running node's error."""
        node_id, class_type = self.node or ("", "")
        error = NodeExecutionError(node_id, class_type, message, exception_type, "", list(self.executed))
        self.sink(NodeFailed(self.job_id, error))
        return JobOutcome(ERROR, {"error": error.to_dict(), "outputs": self.outputs}, crashed=crashed)

    def killed(self) -> JobOutcome:
        """The job interrupted by killing its worker."""
        node_id = self.node[0] if self.node else None
        self.sink(RunInterrupted(self.job_id, node_id, tuple(self.executed)))
        return JobOutcome(INTERRUPTED, {"node_id": node_id, "executed": self.executed, "outputs": self.outputs},
                          stopped="killed")
