"""``ParallelMap``: the ``parallel`` context item, a way to run independent pieces of one node's work at once.

An executor may be given one (a cluster gives ``graph.cluster.RayMap``); nodes that ask for ``parallel`` get it,
or None when the executor has none, and then do the work in order as they always have. Libraries below the graph
layer declare the same shape for themselves (``media.segments.SegmentMap``), so nodes hand it on unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol


class ParallelMap(Protocol):
    def __call__(self, work: Callable[[int], Any], items: Iterable[int], gpu: bool = False,
                 memory_mb: int = 0) -> Iterator[Any]:
        """``work(item)`` for each item, run anywhere and at once, the results yielded in the items' order.

        ``gpu``: each piece needs a GPU (a map runs it where one is, in a process that outlives the call, so what
        the work loads there, such as a model's weights, stays loaded for the next); ``memory_mb``: what a piece
        needs in memory, for placing it.

        ``items`` may be a generator doing work of its own (making each item ready): a map starts an item's work
        as soon as it is drawn, before drawing the next, so the two overlap.

        ``work`` and its results cross processes: they must pickle (cloudpickle: closures are fine). Closing the
        iterator early cancels what has not finished.
        """
        ...
