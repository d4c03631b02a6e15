"""The ComfyUI-contract node running now, for ComfyUI's module-level helpers that take no node argument.

``comfy.utils.ProgressBar``, ``comfy.model_management.throw_exception_if_processing_interrupted`` and the
``comfy_api`` progress calls reach the executor through ``current()``: ``ComfyNode`` sets it around each call
of the wrapped class (a context variable, so concurrent ``async def`` nodes each see their own).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..events import Interrupt


@dataclass(frozen=True)
class RunningNode:
    node_id: str
    #: ``progress(value, maximum)``; also stops the node when the run is interrupted
    progress: Callable[[float, float | None], None]
    interrupt: Interrupt
    #: ``message(kind, data)``: a WebSocket message to the client that queued the run (None: nobody listens)
    message: Callable[[str, Any], None] | None = None


_CURRENT: contextvars.ContextVar[RunningNode | None] = contextvars.ContextVar("worldgraph_comfy_node", default=None)
#: ``comfy_execution.graph_utils.GraphBuilder``'s default prefix: (root, call index, graph index)
BUILDER_PREFIX: contextvars.ContextVar[tuple[str, int, int]] = contextvars.ContextVar("graph_builder_prefix",
                                                                                     default=("", 0, 0))


def current() -> RunningNode | None:
    """The node whose code is running in this context, or None outside a run."""
    return _CURRENT.get()


@contextmanager
def running(node: RunningNode | None, call_index: int) -> Iterator[None]:
    """Within: ``current()`` is ``node``, and graph builders made without a prefix get ``.<call>.<n>.`` (the
    executor puts the expanding node's id before every id of an expansion)."""
    token = _CURRENT.set(node)
    prefix = BUILDER_PREFIX.set(("", call_index, 0))
    try:
        yield
    finally:
        BUILDER_PREFIX.reset(prefix)
        _CURRENT.reset(token)
