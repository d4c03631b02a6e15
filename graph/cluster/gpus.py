"""GPU workers: one long-lived Ray actor per GPU of the cluster, for pieces of work that need a GPU.

A GPU world model's weights take minutes and tens of GB to load, so its segments do not run as fresh tasks: each
GPU has one actor (``num_gpus=1``, so Ray gives it that GPU alone through ``CUDA_VISIBLE_DEVICES``) that runs
pieces one after another in the same process, where what a piece loads (the weights, in the store that process
opened once: ``serial.py``) is still there for the next piece, the next job and the next head that joins.

The actors are named (``worldgraph-gpu-0``...) and detached: every job actor on the cluster finds the same ones,
and they outlive a job actor that is replaced and a head that crashes (the next head finds them, weights loaded);
``release_gpu_workers``, which ``disconnect`` calls when a head stops, ends them. An actor
whose process dies is restarted by Ray and the piece it held is run again (``TASK_RETRIES``); a piece that raises
is not retried.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Any

from .rayload import ray_module

#: tries of a piece after the first when the process running it (a task's worker, a GPU worker) dies
TASK_RETRIES = 3
_NAME = "worldgraph-gpu-{}"


class GpuWorker:
    """Runs pieces of work in a process that keeps a GPU (and what was loaded on it), and one CPU (a segment
    is encoded where it is rendered)."""

    def __init__(self) -> None:
        from .serial import register_serializers

        register_serializers(ray_module())

    def run(self, work: Callable[[int], Any], item: int) -> tuple[int, Any]:
        return os.getpid(), work(item)


def gpu_count() -> int:
    """How many whole GPUs the cluster has."""
    return int(ray_module().cluster_resources().get("GPU", 0))


def gpu_workers() -> list[Any]:
    """The cluster's GPU workers (handles), started for any GPU that has none yet."""
    ray = ray_module()
    actor = ray.remote(num_gpus=1, num_cpus=1, max_restarts=-1, max_task_retries=TASK_RETRIES)(GpuWorker)
    return [actor.options(name=_NAME.format(i), lifetime="detached", get_if_exists=True).remote()
            for i in range(gpu_count())]


def release_gpu_workers() -> None:
    """End the GPU workers (freeing their GPUs and what is loaded on them)."""
    ray = ray_module()
    for i in range(gpu_count()):
        with contextlib.suppress(ValueError):
            ray.kill(ray.get_actor(_NAME.format(i)), no_restart=True)
