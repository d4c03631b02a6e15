"""Learned world model benchmark (not a test: prints numbers).

    python bench/learned.py --json

On held-out simulator trajectories (worlds and walks the model never saw), at the model's native
resolution: ``recon_psnr_db`` (encode then decode every frame); ``rollout_psnr_db_K`` (the model is
given ``window`` real frames, then predicts K steps on its own, from the actions alone; its K-th
frame against the real one). PSNR is over all trajectories at once (10 log10(255^2 / mean squared
error)). Baselines with the same keys: ``copy_last_frame`` (the last real frame, forever) and
``mean_frame`` (the per-pixel mean of all held-out frames: an oracle, so it is a strong baseline).
``cpu_fps_b1``: one dynamics step plus one decode at batch 1 on the CPU.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

# Keep this folder off the import path: it must not shadow the packages it measures.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import torch  # noqa: E402

from world.learned import checkpoint, data  # noqa: E402
from world.learned.model import WorldModel  # noqa: E402

HELD_OUT_SEED = 7  # world seeds 7000 and up; tiny was trained on seeds 0 to 4 (world seeds below 5000)


def psnr(predicted: np.ndarray, real: np.ndarray) -> float:
    error = float(np.mean((predicted.astype(np.float64) - real.astype(np.float64)) ** 2))
    return round(10.0 * math.log10(255.0 ** 2 / max(error, 1e-12)), 2)


@torch.no_grad()
def rollout(model: WorldModel, frames: np.ndarray, actions: np.ndarray, steps: int) -> np.ndarray:
    """Predicted frames [N, steps, H, W, 3] after ``window`` real frames (teacher-forced context)."""
    window = model.config.window
    latents = torch.stack([model.encode(torch.from_numpy(clip[:window])) for clip in frames])
    moves = torch.from_numpy(actions)
    cache = model.dynamics.cache()
    current = model.dynamics(latents, moves[:, 1:window + 1], cache)[:, -1:]   # frame ``window``
    predicted = []
    for k in range(steps):
        predicted.append(model.decode(current[:, 0]).numpy())
        if k + 1 < steps:
            current = model.dynamics(current, moves[:, window + k + 1:window + k + 2], cache)
    return np.stack(predicted, axis=1)


@torch.no_grad()
def fps_batch_one(model: WorldModel, steps: int = 200) -> float:
    cache = model.dynamics.cache()
    current = model.encode(torch.full((1, model.config.image_size, model.config.image_size, 3), 128,
                                      dtype=torch.uint8))[None]
    action = torch.zeros(1, 1, 8)
    action[..., 0] = 1.0
    for _ in range(10):  # warm up
        current = model.dynamics(current, action, cache)
        model.decode(current[:, 0])
    started = time.perf_counter()
    for _ in range(steps):
        current = model.dynamics(current, action, cache)
        model.decode(current[:, 0])
    return round(steps / (time.perf_counter() - started), 1)


def measure(path: Path, worlds: int, per_world: int, steps: int, threads: int) -> dict[str, Any]:
    torch.set_num_threads(threads)
    model = checkpoint.load(path)
    config = model.config
    window = config.window
    fps = fps_batch_one(model)  # first: the simulator's render threads would compete with it
    held_out = data.generate(data.worlds(worlds, HELD_OUT_SEED), per_world, window + steps, config.image_size,
                             config.fps, HELD_OUT_SEED)
    frames, actions = held_out.frames, held_out.actions
    real = frames[:, window:window + steps]                       # the frames the model predicts
    with torch.no_grad():
        flat = torch.from_numpy(frames.reshape(-1, *frames.shape[2:]))
        recon = np.concatenate([model.decode(model.encode(flat[i:i + 256])).numpy() for i in range(0, len(flat), 256)])
    predicted = rollout(model, frames, actions, steps)
    last = np.repeat(frames[:, window - 1:window], steps, axis=1)
    mean = np.broadcast_to(frames.reshape(-1, *frames.shape[2:]).mean(axis=0), real.shape)
    by_step = [psnr(predicted[:, k], real[:, k]) for k in range(steps)]
    report: dict[str, Any] = {
        "checkpoint": path.stem, "native_size": [config.image_size, config.image_size], "fps": config.fps,
        "context_frames": window, "trajectories": len(held_out), "held_out_seed": HELD_OUT_SEED,
        "recon_psnr_db": psnr(recon, frames.reshape(recon.shape)),
        "rollout_psnr_db_1": by_step[0], f"rollout_psnr_db_{steps}": by_step[-1],
        "rollout_psnr_db_by_step": by_step,
    }
    baselines = (("copy_last_frame", last, None), ("mean_frame", mean, psnr(mean[:, 0], real[:, 0])))
    for name, baseline, recon_db in baselines:
        report[name] = {"recon_psnr_db": recon_db, "rollout_psnr_db_1": psnr(baseline[:, 0], real[:, 0]),
                        f"rollout_psnr_db_{steps}": psnr(baseline[:, -1], real[:, -1])}
    report["beats_baselines"] = all(report[key] > report[name][key] for name in ("copy_last_frame", "mean_frame")
                                    for key in ("rollout_psnr_db_1", f"rollout_psnr_db_{steps}"))
    report["cpu_fps_b1"] = fps
    report["threads"] = threads
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--checkpoint", type=Path, default=checkpoint.MODELS_DIR / "tiny.safetensors")
    parser.add_argument("--worlds", type=int, default=12, help="held-out worlds (cycling through the presets)")
    parser.add_argument("--per-world", type=int, default=8, help="trajectories per world")
    parser.add_argument("--steps", type=int, default=16, help="predicted steps")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    report = measure(args.checkpoint, args.worlds, args.per_world, args.steps, args.threads)
    report["python"] = sys.version.split()[0]
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
