"""Cluster benchmark (not a test: prints numbers).

    python bench/cluster.py --json [--seconds 10] [--workers 2]

Renders a 480p walk (2 s segments, cold cache, after a warm-up run) embedded, then with its segments as tasks on a
local Ray cluster of ``--workers`` CPUs, and times a tiny workflow through a cluster job actor (``RaySite``) against
the same job in this process. Targets (the issue): speedup >= 1.7 with 2 workers on a 60 s video; overhead
<= 150 ms. ``projected_s`` extrapolates from the measured per-segment time (Amdahl: the head's simulation,
audio and mux stay serial), not a measurement.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from graph import Workflow, create_executor  # noqa: E402
from graph.cluster import ExecutorRecipe, RaySite, disconnect  # noqa: E402
from graph.workers import InProcessSite, JobRequest  # noqa: E402


def film(seconds: float, seed: int) -> Workflow:
    workflow = Workflow()
    workflow.add_node("LoadWorld", {"source": "preset", "preset": "alpine_meadow", "seed": seed}, node_id="load")
    workflow.add_node("WanderRollout", {"mode": "walk", "duration": seconds, "fps": 30, "segment_seconds": 2.0},
                      node_id="wander")
    workflow.add_node("RenderVideo", {"resolution": "480p"}, node_id="render")
    workflow.add_node("SaveVideo", {"filename_prefix": "bench"}, node_id="out")
    workflow.connect("load", "world", "wander", "world")
    workflow.connect("wander", "latent", "render", "latent")
    workflow.connect("render", "video", "out", "video")
    return workflow


def _hello(seed: int) -> dict[str, Any]:
    workflow = Workflow.load(ROOT / "workflows" / "hello.json")
    workflow.nodes["4"].inputs["seed"] = seed  # a new key each time: no cache hit
    return workflow.to_dict()


def timed_render(root: Path, seconds: float, cluster: str | None, workers: int) -> float:
    executor = create_executor(root, cache_dir=root / "cache", cluster=cluster, cluster_cpus=workers)
    executor.run(film(2.0, seed=99))  # warm: imports, compiled kernels, worker processes
    started = time.perf_counter()
    executor.run(film(seconds, seed=1))
    return time.perf_counter() - started


def job_ms(site: Any, runs: int, first_seed: int) -> float:
    """The median ms of a hello job, seeds from first_seed on (no other run uses them: no cache hits)."""
    times = []
    for i in range(runs):
        started = time.perf_counter()
        outcome = site.run(JobRequest(f"bench-{i}", _hello(first_seed + i)), lambda event: None)
        times.append(time.perf_counter() - started)
        assert outcome.status == "success", outcome.result
    return sorted(times)[len(times) // 2] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="video length (the issue's figure: 60)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        embedded = timed_render(base / "embedded", args.seconds, None, args.workers)
        clustered = timed_render(base / "cluster", args.seconds, "local", args.workers)
        executor = create_executor(base / "hello", cache_dir=base / "hello" / "cache")
        job_ms(InProcessSite(executor), 2, 500)  # warm
        local_ms = job_ms(InProcessSite(executor), 7, 1000)
        site = RaySite(ExecutorRecipe.of(executor), "local", args.workers)
        site.start()
        job_ms(site, 2, 600)  # warm
        cluster_ms = job_ms(site, 7, 2000)
        site.close()
        disconnect()
    segments = max(1, round(args.seconds / 2.0))
    per_segment = embedded / segments
    head = max(0.0, clustered - per_segment * segments / args.workers)  # what did not spread
    projected = {str(n): round(head + per_segment * -(-segments // n), 2) for n in (1, 4, 16, 64)}
    result = {
        f"embedded_{args.seconds:g}s_480p_s": round(embedded, 2),
        f"cluster{args.workers}_{args.seconds:g}s_480p_s": round(clustered, 2),
        f"speedup_{args.workers}": round(embedded / clustered, 2),
        "overhead_hello_ms": round(cluster_ms - local_ms, 1),
        "hello_in_process_ms": round(local_ms, 1), "hello_on_cluster_ms": round(cluster_ms, 1),
        "projected_s": projected,
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
