"""Encoded segments of a video, each encoded once and cached by its content key.

A ``VideoStream`` names each segment's content (``keys``); the closed-GOP encode of a segment is
cached under that key, format, quality and frame rate, so a re-save after an edit encodes only the
segments whose frames changed. While one segment is encoded, a thread renders the next, so both
cores stay busy. Media code never imports the graph layer: the store is anything with
``get``/``put``/``contains`` (``SegmentStore``); the graph's ``ContentStore`` is one.

Given a ``SegmentMap`` (on a cluster: the graph's ``parallel`` context item), the segments not cached are
rendered and encoded at once wherever it runs them, each cached under its key by whoever encoded it; the
caller still receives every segment's bytes in order, so the one mux and the one audio encode stay here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol

import numpy as np

from .stream import VideoStream
from .video import FORMATS, encode_segment

#: Where the store keeps a value; the same strings as ``graph.store.Tier``. Encoded segments go to
#: ``"disk"`` only, so memory stays flat however long the video is.
Tier = Literal["both", "durable", "memory", "disk"]


class SegmentStore(Protocol):
    def get(self, key: str) -> Any | None: ...

    def put(self, key: str, value: Any, tier: Tier = "both") -> None: ...

    def contains(self, key: str) -> bool: ...


class SegmentMap(Protocol):
    """Runs ``work(k)`` for each ``k``, anywhere and at once, starting each as soon as it is drawn from ``items``,
    on a GPU worker when ``gpu``; yields the results in order (``graph.ParallelMap``)."""

    def __call__(self, work: Callable[[int], Any], items: Iterable[int], gpu: bool = False,
                 memory_mb: int = 0) -> Iterator[Any]: ...


def segment_key(video: VideoStream, format_name: str, quality: str, k: int) -> str:
    """The cache key of segment ``k`` of ``video`` encoded as ``format_name`` at ``quality``."""
    return f"media/segment/{format_name}/{quality}/{video.fps:g}/{video.keys[k]}"


def encoded_segments(video: VideoStream, format_name: str, quality: str, store: SegmentStore,
                     progress: Callable[[int], None] | None = None,
                     parallel: SegmentMap | None = None) -> Iterator[bytes]:
    """Each segment's encoded bytes in order, from ``store`` when cached; ``progress(done)`` after each.
    With ``parallel``, the missing segments are rendered and encoded through it (see the module docstring)."""
    if parallel is not None:
        yield from _encoded_in_parallel(video, format_name, quality, store, progress, parallel)
        return
    fmt = FORMATS[format_name]

    def fetch(k: int) -> bytes | np.ndarray:
        cached = store.get(segment_key(video, format_name, quality, k))
        return bytes(cached) if cached is not None else video.segment(k, keep=False)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-ahead") as pool:
        pending = pool.submit(fetch, 0)
        for k in range(video.segment_count):
            item = pending.result()
            if k + 1 < video.segment_count:
                pending = pool.submit(fetch, k + 1)
            if isinstance(item, np.ndarray):
                data = encode_segment(item, round(video.fps), fmt, quality)
                store.put(segment_key(video, format_name, quality, k), data, tier="disk")
                item = data
            if progress is not None:
                progress(k + 1)
            yield item


def _encoded_in_parallel(video: VideoStream, format_name: str, quality: str, store: SegmentStore,
                         progress: Callable[[int], None] | None, parallel: SegmentMap) -> Iterator[bytes]:
    cached: dict[int, bytes] = {}
    for k in range(video.segment_count):
        found = store.get(segment_key(video, format_name, quality, k))
        if found is not None:
            cached[k] = bytes(found)
    missing = [k for k in range(video.segment_count) if k not in cached]
    work = _RenderEncode(video, format_name, quality, store)
    results = (parallel(work, _prepared(video, missing), gpu=video.gpu, memory_mb=video.memory_mb) if missing
               else iter(()))
    try:
        for k in range(video.segment_count):
            data = cached.pop(k) if k in cached else next(results)
            if progress is not None:
                progress(k + 1)
            yield data
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # an interrupt or a failure: what has not finished is cancelled


def _prepared(video: VideoStream, segments: list[int]) -> Iterator[int]:
    """The ``segments``, each made ready (``video.prepare``: its states simulated once here, in order, instead
    of in every task) just before it is handed out, so the first ones render while the head simulates the rest."""
    for k in segments:
        if video.prepare is not None:
            video.prepare([k])
        yield k


class _RenderEncode:
    """Render and encode one segment and cache it, wherever this runs (it pickles with the stream and the store)."""

    def __init__(self, video: VideoStream, format_name: str, quality: str, store: SegmentStore) -> None:
        self.video, self.format_name, self.quality, self.store = video, format_name, quality, store

    def __call__(self, k: int) -> bytes:
        key = segment_key(self.video, self.format_name, self.quality, k)
        cached = self.store.get(key)  # another try of this segment, or another job, may have made it
        if cached is not None:
            return bytes(cached)
        data = encode_segment(self.video.segment(k, keep=False), round(self.video.fps), FORMATS[self.format_name],
                              self.quality)
        self.store.put(key, data, tier="disk")
        return data
