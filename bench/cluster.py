"""Cluster benchmark (not a test: prints numbers).

    python bench/cluster.py --json [--seconds 60] [--workers 2]

Every render here runs with one render thread (``NUMBA_NUM_THREADS=1``), as the issue's figures ask.

- ``embedded_60s_480p_s``: a 480p walk with sound (2 s segments, cold segment cache, after a warm-up) rendered by
  the embedded executor in a process pinned to **one CPU** (one worker); ``embedded_all_cores_...`` is the same
  run left free to use every core of this machine (the embedded default's render-ahead thread overlaps
  rendering with x264's threads), for reference.
- ``cluster2_60s_480p_s``: the same walk with its segments as tasks on a local Ray cluster of ``--workers`` CPUs,
  after a warm-up that touched every worker (a running cluster's workers keep their imports, kernels and the
  world loaded). ``speedup_2`` = embedded (one CPU) / cluster.
- ``overhead_hello_ms``: a tiny job through a cluster job actor (``RaySite``) minus the same job in this process.
- ``projected_3min_720p_s``: a 3-minute 720p video on 1/4/16/64 workers, from per-segment costs measured here at
  720p on one CPU (simulate, render, encode, mux), the measured cost of a segment's bytes crossing from a task,
  and the serial parts (world generation, sound generation and its one encode). A model, not a measurement:
  the sound needs the whole walk, so the head simulates every segment before the renders start, and muxes
  them in order after: ``world + segments * (simulate + transfer + mux) + sound + sound_encode`` stays serial,
  plus ``ceil(segments / workers) * (render + encode)``. ``flattens_at_workers`` is where the parallel part has
  shrunk to the serial part's size (Amdahl: past it, more workers barely help).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # before anything imports numba; Ray's workers inherit it

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from graph import Workflow, create_executor  # noqa: E402
from graph.cluster import ExecutorRecipe, RaySite, disconnect  # noqa: E402
from graph.workers import InProcessSite, JobRequest  # noqa: E402

SEGMENT_SECONDS = 2.0
WORLD_SEED = 1
PROJECTED_SECONDS = 180.0


def film(seconds: float, walk_seed: int, resolution: str = "480p", prefix: str = "bench") -> Workflow:
    """The default workflow's shape without edits: a world, a walk, its frames and its sound, saved as MP4."""
    workflow = Workflow()
    workflow.add_node("LoadWorld", {"source": "preset", "preset": "alpine_meadow", "seed": WORLD_SEED},
                      node_id="load")
    workflow.add_node("WanderRollout", {"mode": "walk", "duration": seconds, "fps": 30, "seed": walk_seed,
                                        "segment_seconds": SEGMENT_SECONDS}, node_id="wander")
    workflow.add_node("RenderVideo", {"resolution": resolution}, node_id="render")
    workflow.add_node("GenerateAudio", {"seed": 3}, node_id="sound")
    workflow.add_node("MuxAudio", {}, node_id="mux")
    workflow.add_node("SaveVideo", {"filename_prefix": prefix}, node_id="out")
    workflow.connect("load", "world", "wander", "world")
    workflow.connect("wander", "latent", "render", "latent")
    workflow.connect("wander", "latent", "sound", "latent")
    workflow.connect("render", "video", "mux", "video")
    workflow.connect("sound", "audio", "mux", "audio")
    workflow.connect("mux", "video", "out", "video")
    return workflow


def timed_render(root: Path, seconds: float, cluster: str | None, workers: int) -> float:
    """Seconds to render a ``seconds`` walk after a warm-up walk in the same world long enough to reach every
    worker (its segments differ: the walk's seed does)."""
    executor = create_executor(root, cache_dir=root / "cache", cluster=cluster, cluster_cpus=workers)
    executor.run(film(2 * workers * SEGMENT_SECONDS, walk_seed=99))
    started = time.perf_counter()
    executor.run(film(seconds, walk_seed=1))
    return time.perf_counter() - started


def _pinned(cpus: int, job: Any, *args: Any) -> Any:
    """``job(*args)`` in a fresh process limited to ``cpus`` CPUs (0: all of them)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_in_cpus, (cpus, job, *args))


def _in_cpus(cpus: int, job: Any, *args: Any) -> Any:
    if cpus:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cpus])
    return job(*args)


def _embedded_render(root: str, seconds: float) -> float:
    return timed_render(Path(root), seconds, None, 1)


def _segment_costs(root: str, resolution: str, segments: int) -> dict[str, float]:
    """Per-segment seconds of each stage at ``resolution`` (one CPU), measured through the library calls the
    nodes make, and the serial parts per second of video."""
    from media.video import FORMATS, encode_segment, write

    executor = create_executor(Path(root), cache_dir=Path(root) / "cache")
    executor.run(film(SEGMENT_SECONDS, walk_seed=98, resolution=resolution))  # warm kernels
    workflow = film(segments * SEGMENT_SECONDS, walk_seed=2, resolution=resolution)
    workflow.nodes["load"].inputs["seed"] = WORLD_SEED + 1  # a world not built yet
    started = time.perf_counter()
    executor.evaluate(workflow, "wander")
    world_s = time.perf_counter() - started
    (video,) = executor.evaluate(workflow, "render")
    totals = {"simulate": 0.0, "render": 0.0, "encode": 0.0}
    for k in range(video.segment_count):
        started = time.perf_counter()
        video.prepare([k])
        totals["simulate"] += time.perf_counter() - started
    started = time.perf_counter()
    (sound,) = executor.evaluate(workflow, "sound")  # after the walk's states exist, as in a run (see project)
    sound_s = time.perf_counter() - started
    encoded = []
    for k in range(video.segment_count):
        started = time.perf_counter()
        frames = video.segment(k, keep=False)
        totals["render"] += time.perf_counter() - started
        started = time.perf_counter()
        encoded.append(encode_segment(frames, round(video.fps), FORMATS["mp4"]))
        totals["encode"] += time.perf_counter() - started
    mux = {}
    for with_sound in (False, True):
        started = time.perf_counter()
        write(Path(root) / f"mux-{with_sound}.mp4", FORMATS["mp4"], round(video.fps), video.frame_count,
              video.segment_frames, encoded, sound if with_sound else None, {})
        mux[with_sound] = time.perf_counter() - started
    seconds = video.frame_count / video.fps
    count = video.segment_count
    return {**{f"{name}_s": total / count for name, total in totals.items()},
            "mux_s": mux[False] / count, "bytes": sum(map(len, encoded)) / count,
            "world_s": world_s, "sound_per_video_s": sound_s / seconds,
            "sound_encode_per_video_s": max(0.0, mux[True] - mux[False]) / seconds}


def _transfer_s(size: int, workers: int) -> float:
    """Seconds for a segment of ``size`` bytes to come back from a task, beyond an empty result's round trip."""
    from graph.cluster import connect

    ray = connect("local", num_cpus=workers)

    @ray.remote(num_cpus=1)
    def payload(n: int) -> bytes:
        return bytes(n)

    def median(n: int) -> float:
        ray.get(payload.remote(n))
        times = []
        for _ in range(9):
            started = time.perf_counter()
            ray.get(payload.remote(n))
            times.append(time.perf_counter() - started)
        return sorted(times)[len(times) // 2]

    return max(0.0, median(size) - median(0))


def project(costs: dict[str, float], transfer_s: float, seconds: float) -> tuple[dict[str, float], int]:
    """The modelled time of a ``seconds`` video on 1/4/16/64 workers, and the worker count where the parallel part
    has shrunk to the serial part's size (past it, each doubling of workers saves less than a quarter)."""
    segments = math.ceil(seconds / SEGMENT_SECONDS)
    per_task = costs["render_s"] + costs["encode_s"]
    serial = (costs["world_s"] + segments * (costs["simulate_s"] + transfer_s + costs["mux_s"])
              + seconds * (costs["sound_per_video_s"] + costs["sound_encode_per_video_s"]))
    times = {str(n): round(serial + math.ceil(segments / n) * per_task, 1) for n in (1, 4, 16, 64)}
    return times, max(1, min(segments, round(segments * per_task / serial)))


def _hello(seed: int) -> dict[str, Any]:
    workflow = Workflow.load(ROOT / "workflows" / "hello.json")
    workflow.nodes["4"].inputs["seed"] = seed  # a new key each time: no cache hit
    return workflow.to_dict()


def job_ms(site: Any, runs: int, first_seed: int) -> float:
    """The median ms of a hello job, seeds from first_seed on (no other run uses them: no cache hits)."""
    times = []
    for i in range(runs):
        started = time.perf_counter()
        outcome = site.run(JobRequest(f"bench-{i}", _hello(first_seed + i)), lambda event: None)
        times.append(time.perf_counter() - started)
        assert outcome.status == "success", outcome.result
    return sorted(times)[len(times) // 2] * 1000


def overhead_ms(base: Path, workers: int) -> tuple[float, float]:
    executor = create_executor(base, cache_dir=base / "cache")
    job_ms(InProcessSite(executor), 2, 500)  # warm
    local_ms = job_ms(InProcessSite(executor), 7, 1000)
    site = RaySite(ExecutorRecipe.of(executor), "local", workers)
    site.start()
    job_ms(site, 2, 600)  # warm
    cluster_ms = job_ms(site, 7, 2000)
    site.close()
    return local_ms, cluster_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0, help="video length (the issue's figure: 60)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    length, workers = f"{args.seconds:g}s", args.workers
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        embedded = _pinned(1, _embedded_render, str(base / "embedded"), args.seconds)
        all_cores = _pinned(0, _embedded_render, str(base / "all-cores"), args.seconds)
        costs = _pinned(1, _segment_costs, str(base / "costs"), "720p", 3)
        clustered = timed_render(base / "cluster", args.seconds, "local", workers)
        transfer = _transfer_s(round(costs["bytes"]), workers)
        local_ms, cluster_ms = overhead_ms(base / "hello", workers)
        disconnect()
    projected, flattens = project(costs, transfer, PROJECTED_SECONDS)
    result = {
        "cpus_here": len(os.sched_getaffinity(0)),
        f"embedded_{length}_480p_s": round(embedded, 2),
        f"embedded_all_cores_{length}_480p_s": round(all_cores, 2),
        f"cluster{workers}_{length}_480p_s": round(clustered, 2),
        f"speedup_{workers}": round(embedded / clustered, 2),
        f"speedup_{workers}_vs_all_cores": round(all_cores / clustered, 2),
        "overhead_hello_ms": round(cluster_ms - local_ms, 1),
        "hello_in_process_ms": round(local_ms, 1), "hello_on_cluster_ms": round(cluster_ms, 1),
        "segment_720p": {name: round(value, 4) for name, value in costs.items()} | {"transfer_s": round(transfer, 4)},
        "projected_3min_720p_s": projected,
        "flattens_at_workers": flattens,
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
