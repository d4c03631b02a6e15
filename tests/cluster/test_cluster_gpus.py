"""Pieces that need a GPU (graph.cluster.RayMap with ``gpu=True``) run on the cluster's GPU workers: one
long-lived actor per GPU, given that GPU, keeping what a piece loaded (a model's weights) for later pieces and
later jobs, restarted with its piece run again when its process dies. The cluster declares one GPU it lacks
(Ray schedules by the number)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import graph
from graph.cluster import RayMap, connect, disconnect
from graph.cluster.gpus import gpu_count, gpu_workers


@pytest.fixture(scope="module")
def gpu_cluster() -> Iterator[Any]:
    ray = connect("local", num_cpus=2, num_gpus=1)
    yield ray
    disconnect()


def loads_once(store: graph.ContentStore, seconds: float = 0.0) -> Callable[[int], tuple[int, bool, list[int], int]]:
    """A piece that loads 'weights' into its process's store unless they are there: (pid, loaded, GPU ids, k)."""

    def piece(k: int) -> tuple[int, bool, list[int], int]:
        import ray

        loaded = store.get("test/weights") is None
        if loaded:
            store.put("test/weights", np.zeros(1024, np.float32), tier="memory")
        time.sleep(seconds)
        return os.getpid(), loaded, [int(i) for i in ray.get_gpu_ids()], k

    return piece


def test_gpu_pieces_run_on_the_gpu_worker_which_keeps_its_weights_across_jobs(gpu_cluster, tmp_path):
    store = graph.create_executor(tmp_path, cache_dir=tmp_path / "cache").store
    first = list(RayMap()(loads_once(store), range(3), gpu=True))
    second = list(RayMap()(loads_once(store), range(2), gpu=True))  # another job: another map, same worker

    assert gpu_count() == 1 and len(gpu_workers()) == 1
    assert [k for *_, k in first] == [0, 1, 2] and [k for *_, k in second] == [0, 1]
    pids = {pid for pid, *_ in first + second}
    assert len(pids) == 1 and os.getpid() not in pids
    assert [loaded for _, loaded, _, _ in first + second] == [True, False, False, False, False]  # loaded once
    assert all(ids == [0] for _, _, ids, _ in first + second)  # the worker holds GPU 0


def test_a_gpu_worker_killed_during_a_piece_is_restarted_and_the_piece_run_again(gpu_cluster, tmp_path):
    store = graph.create_executor(tmp_path, cache_dir=tmp_path / "cache").store
    [(worker_pid, *_)] = list(RayMap()(loads_once(store), [0], gpu=True))
    killed = threading.Timer(1.0, os.kill, (worker_pid, signal.SIGKILL))
    killed.start()
    results = list(RayMap()(loads_once(store, seconds=0.6), range(4), gpu=True))
    killed.join()

    assert [k for *_, k in results] == [0, 1, 2, 3]  # every piece, once each, in order
    after = [pid for pid, *_ in results if pid != worker_pid]
    assert after and len(set(after)) == 1  # the restarted worker finished them
    assert sum(loaded for pid, loaded, _, _ in results if pid != worker_pid) == 1  # and loaded its weights afresh


def test_a_piece_that_raises_on_a_gpu_worker_is_not_retried(gpu_cluster, tmp_path):
    tries = tmp_path / "tries"

    def fails(k: int) -> None:
        with open(tries, "a") as log:
            log.write(f"{k}\n")
        raise ValueError(f"input 'k' = {k} is bad")

    with pytest.raises(ValueError, match="input 'k' = 5 is bad"):
        list(RayMap()(fails, [5], gpu=True))
    assert tries.read_text() == "5\n"
