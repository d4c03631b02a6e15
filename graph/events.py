"""What a run reports: one event type per step, delivered to one callback, and the ``RunResult``.

The CLI draws progress bars from these; the server turns them into WebSocket messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .errors import Interrupted, NodeExecutionError


@dataclass
class RunResult:
    """What a run produced; ``Executor.run`` returns it and ``RunDone`` carries it."""

    run_id: str
    targets: list[str]
    #: Output values of every node evaluated or read from cache in this run, by node id.
    values: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    #: UI payloads (e.g. the files an output node wrote), by node id.
    ui: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Files named in UI payloads, by node id.
    files: dict[str, list[Path]] = field(default_factory=dict)
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    seconds: float = 0.0

    #: Output names of every node in ``values``, by node id.
    output_names: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def output(self, node_id: str, output: str | int = 0) -> Any:
        """One output value of a node, by output name or index."""
        values = self.values[node_id]
        if isinstance(output, int):
            return values[output]
        names = self.output_names[node_id]
        if output not in names:
            raise KeyError(f"node {node_id} has no output {output!r}; outputs: {', '.join(names)}")
        return values[names.index(output)]


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    targets: tuple[str, ...]
    planned: int
    #: the planned nodes whose results are in the cache as the run starts (those it needs are taken from there)
    cached: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeCached:
    run_id: str
    node_id: str
    class_type: str
    #: the UI payload the node had when it ran (files it wrote, text), shown again
    ui: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class NodeMessage:
    """A message of a node's own for the client of the run (a ComfyUI pack's ``send_sync``)."""

    run_id: str
    node_id: str
    kind: str
    data: Any


@dataclass(frozen=True)
class NodeStarted:
    run_id: str
    node_id: str
    class_type: str


@dataclass(frozen=True)
class NodeProgress:
    run_id: str
    node_id: str
    value: float
    maximum: float | None


@dataclass(frozen=True)
class NodeDone:
    run_id: str
    node_id: str
    class_type: str
    ui: Mapping[str, Any] | None
    seconds: float


@dataclass(frozen=True)
class NodeFailed:
    run_id: str
    error: NodeExecutionError


@dataclass(frozen=True)
class RunDone:
    run_id: str
    result: RunResult


@dataclass(frozen=True)
class RunInterrupted:
    run_id: str
    node_id: str | None
    executed: tuple[str, ...]


Event = (RunStarted | NodeCached | NodeStarted | NodeProgress | NodeMessage | NodeDone | NodeFailed | RunDone
         | RunInterrupted)
EventSink = Callable[[Event], None]


class Flag(Protocol):
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def is_set(self) -> bool: ...


class Interrupt:
    """A flag another thread (a signal handler, the server) sets to stop a run cooperatively.

    The executor checks it at every node boundary and progress tick. ``flag`` may be any object with
    ``set``, ``clear`` and ``is_set`` (a ``multiprocessing`` event lets a supervisor stop a worker process).
    """

    def __init__(self, flag: Flag | None = None) -> None:
        self._event: Flag = flag if flag is not None else threading.Event()

    def request(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def check(self, node_id: str | None = None) -> None:
        if self._event.is_set():
            raise Interrupted(node_id)
