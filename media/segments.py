"""Encoded segments of a video, each encoded once and cached by its content key.

A ``VideoStream`` names each segment's content (``keys``); the closed-GOP encode of a segment is
cached under that key, format, quality and frame rate, so a re-save after an edit encodes only the
segments whose frames changed. While one segment is encoded, a thread renders the next, so both
cores stay busy. Media code never imports the graph layer: the store is anything with
``get``/``put``/``contains`` (``SegmentStore``); the graph's ``ContentStore`` is one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


def segment_key(video: VideoStream, format_name: str, quality: str, k: int) -> str:
    """The cache key of segment ``k`` of ``video`` encoded as ``format_name`` at ``quality``."""
    return f"media/segment/{format_name}/{quality}/{video.fps:g}/{video.keys[k]}"


def encoded_segments(video: VideoStream, format_name: str, quality: str, store: SegmentStore,
                     progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """Each segment's encoded bytes in order, from ``store`` when cached; ``progress(done)`` after each."""
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
