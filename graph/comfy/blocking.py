"""ComfyUI's ``ExecutionBlocker``: an output value that stops what it reaches instead of being passed on.

A node that receives a blocker in any input does not run; each of its outputs is a blocker too, so the block
spreads down to the outputs. A blocker with a message reports it once, on the first node it stops (as an error
message of that node, not a failure of the run), and travels on without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class ExecutionBlocker:
    """Blocks every node downstream of the output that returns it; ``message``: why, shown once (or None)."""

    def __init__(self, message: str | None) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"ExecutionBlocker({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExecutionBlocker) and other.message == self.message

    def __hash__(self) -> int:
        return hash((ExecutionBlocker, self.message))


def blocker_among(values: Iterable[Any]) -> ExecutionBlocker | None:
    """The first of ``values`` that is a blocker (a list holding one is not: only that item is blocked)."""
    return next((value for value in values if isinstance(value, ExecutionBlocker)), None)


def first_blocker(values: Iterable[Any]) -> ExecutionBlocker | None:
    """The first blocker among ``values`` (a list value counts when any of its items is one), or None."""
    for value in values:
        if isinstance(value, ExecutionBlocker):
            return value
        if isinstance(value, (list, tuple)):
            inner = next((item for item in value if isinstance(item, ExecutionBlocker)), None)
            if inner is not None:
                return inner
    return None
