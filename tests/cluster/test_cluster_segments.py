"""Segments as Ray tasks (graph.cluster.RayMap through SaveVideo's ``parallel`` context item): spread over
worker processes, cached under their keys, the same file as embedded, and a worker killed mid-task costs a retry,
not the job."""

from __future__ import annotations

import os
import signal
import threading
import time

from clusterkit import film, frames_of, piece_pids

import graph
import graph.cluster


def saved(executor: graph.Executor, result: graph.RunResult) -> os.PathLike[str]:
    [entry] = result.ui["out"]["videos"]
    return executor.paths.resolve(entry["type"], entry["filename"], entry["subfolder"])


def test_segments_run_on_several_workers_and_match_embedded(ray_cluster, tmp_path):
    embedded = graph.create_executor(tmp_path / "embedded", cache_dir=tmp_path / "embedded-cache")
    cluster = graph.create_executor(tmp_path / "cluster", cache_dir=tmp_path / "cluster-cache", cluster="local")
    assert embedded.parallel is None
    expected = frames_of(saved(embedded, embedded.run(film())))

    result = cluster.run(film())
    assert len(cluster.parallel.pids) == 6  # one task per segment
    assert len(set(cluster.parallel.pids)) >= 2, cluster.parallel.pids
    assert os.getpid() not in cluster.parallel.pids
    frames = frames_of(saved(cluster, result))
    assert frames.shape == expected.shape == (30, 480, 854, 3)
    assert abs(frames.astype(int) - expected.astype(int)).mean() < 1.0  # same frames, same encoder settings

    longer = film(3.5)  # one more segment: the six before it come from the cache the workers wrote
    cluster.run(longer)
    assert len(cluster.parallel.pids) == 7


def test_a_worker_killed_during_a_segment_costs_a_retry_not_the_job(ray_cluster, tmp_path):
    executor = graph.create_executor(tmp_path, cache_dir=tmp_path / "cache", cluster="local")
    killed: list[int] = []

    def kill_one() -> None:
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for pid in piece_pids():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_one, daemon=True)
    killer.start()
    result = executor.run(film(prefix="killed"))
    killer.join(1)
    assert killed, "no segment task was seen running"
    assert killed[0] not in executor.parallel.pids  # its segment finished on a worker that lived
    assert len(executor.parallel.pids) == 6
    outputs = sorted(p.name for p in executor.paths.output.iterdir())
    assert outputs == ["killed_00001_.mp4"]  # exactly once, nothing torn beside it
    assert frames_of(saved(executor, result)).shape == (30, 480, 854, 3)


def test_on_a_cluster_without_gpus_pieces_that_need_one_run_as_cpu_tasks(ray_cluster):
    parallel = graph.cluster.RayMap()
    assert list(parallel(lambda k: k * k, range(3), gpu=True)) == [0, 1, 4]
    assert len(parallel.pids) == 3 and os.getpid() not in parallel.pids
