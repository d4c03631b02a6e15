"""What a run reports while it goes: one event type per step, delivered to one callback.

The CLI draws progress bars from these; the server turns them into WebSocket messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import Interrupted, NodeExecutionError

if TYPE_CHECKING:
    from .executor import RunResult


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    targets: tuple[str, ...]
    planned: int


@dataclass(frozen=True)
class NodeCached:
    run_id: str
    node_id: str
    class_type: str


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


Event = RunStarted | NodeCached | NodeStarted | NodeProgress | NodeDone | NodeFailed | RunDone | RunInterrupted
EventSink = Callable[[Event], None]


class Interrupt:
    """A flag another thread (a signal handler, the server) sets to stop a run cooperatively.

    The executor checks it at every node boundary and progress tick.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

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
