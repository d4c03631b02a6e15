"""Time spent in each stage of making frames (simulation, terrain, sprites, effects), for benchmarks.

    with stages.timed() as split:
        timeline.render_segment(k, size, store)
    split.seconds   # {"simulation": 0.01, "terrain": 0.4, "sprites": 0.1, "effects": 0.0}

The engine marks its stages with ``stage(name)``. With no ``timed()`` block open a mark is one
context-variable read, so the render path carries the marks at no measurable cost; a block is local
to its thread or task.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class StageTimes:
    """Seconds spent per stage, summed over every mark of that stage inside one ``timed()`` block."""

    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


_open: ContextVar[StageTimes | None] = ContextVar("world_stage_times", default=None)


@contextmanager
def timed() -> Iterator[StageTimes]:
    """Collect the time of every stage marked inside this block."""
    times = StageTimes()
    token = _open.set(times)
    try:
        yield times
    finally:
        _open.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Mark the enclosed code as stage ``name`` (timed only inside a ``timed()`` block)."""
    times = _open.get()
    if times is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        times.add(name, time.perf_counter() - started)
