"""Encoded segments (media/segments.py): encoded once, cached on disk by content key, rendered ahead."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import numpy as np

from media.segments import encoded_segments, segment_key
from media.stream import VideoStream
from media.video import FORMATS, encode_segment

FPS, SEGMENT, FRAMES = 10, 5, 12


class RecordingStore:
    """A dict with the store protocol that records every ``put`` and its tier."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.puts: list[tuple[str, str]] = []

    def get(self, key: str) -> Any | None:
        return self.values.get(key)

    def put(self, key: str, value: Any, tier: str = "both") -> None:
        self.values[key] = value
        self.puts.append((key, tier))

    def contains(self, key: str) -> bool:
        return key in self.values


def stream(rendered: list[tuple[int, bool, str]], keys: tuple[str, ...] = ("a", "b", "c")) -> VideoStream:
    def segment(k: int, keep: bool) -> np.ndarray:
        rendered.append((k, keep, threading.current_thread().name))
        count = min(SEGMENT, FRAMES - k * SEGMENT)
        return np.full((count, 16, 16, 3), 40 * k, np.uint8)

    return VideoStream(FPS, 16, 16, FRAMES, SEGMENT, segment, lambda i: segment(i // SEGMENT, False)[i % SEGMENT],
                       keys)


def test_segments_are_encoded_once_and_cached_on_disk_only() -> None:
    rendered: list[tuple[int, bool, str]] = []
    store, done = RecordingStore(), []
    video = stream(rendered)

    first = list(encoded_segments(video, "mp4", "draft", store, done.append))

    assert [(k, keep) for k, keep, _ in rendered] == [(0, False), (1, False), (2, False)]
    assert all(name.startswith("render-ahead") for _, _, name in rendered)  # rendered in the worker thread
    assert done == [1, 2, 3]
    assert store.puts == [(segment_key(video, "mp4", "draft", k), "disk") for k in range(3)]
    assert segment_key(video, "mp4", "draft", 1) == f"media/segment/mp4/draft/{FPS}/b"
    assert first[0] == encode_segment(np.zeros((SEGMENT, 16, 16, 3), np.uint8), FPS, FORMATS["mp4"], "draft")

    second = list(encoded_segments(video, "mp4", "draft", store))
    assert second == first and len(rendered) == 3 and len(store.puts) == 3  # all from the store


def test_a_changed_segment_key_encodes_only_that_segment() -> None:
    rendered: list[tuple[int, bool, str]] = []
    store = RecordingStore()
    list(encoded_segments(stream(rendered), "mp4", "draft", store))
    rendered.clear()

    list(encoded_segments(stream(rendered, ("a", "changed", "c")), "mp4", "draft", store))

    assert [k for k, _, _ in rendered] == [1]


class RecordingMap:
    """A ``SegmentMap`` that runs pieces here as it draws them, recording each draw, run and placement asked."""

    def __init__(self, log: list[str]) -> None:
        self.log, self.asked = log, {}

    def __call__(self, work, items, gpu=False, memory_mb=0):
        self.asked = {"gpu": gpu, "memory_mb": memory_mb}
        results = []
        for k in items:
            self.log.append(f"start {k}")
            results.append(work(k))
        yield from results


def test_with_a_map_each_missing_segment_is_prepared_just_before_it_starts_and_placed_as_asked() -> None:
    log: list[str] = []
    video = replace(stream([]), prepare=lambda segments: log.extend(f"prepare {k}" for k in segments),
                    gpu=True, memory_mb=900)
    store = RecordingStore()
    store.put(segment_key(video, "mp4", "draft", 1), b"cached")
    parallel = RecordingMap(log)

    data = list(encoded_segments(video, "mp4", "draft", store, parallel=parallel))

    assert log == ["prepare 0", "start 0", "prepare 2", "start 2"]  # the cached one is neither
    assert parallel.asked == {"gpu": True, "memory_mb": 900}
    assert data[1] == b"cached" and data[0] == store.get(segment_key(video, "mp4", "draft", 0))
