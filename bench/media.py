"""End-to-end media benchmark (not a test: prints numbers).

    python bench/media.py --json

Runs the default-style workflow (world, wander, a character, a cut, generated audio, mux, MP4)
headless on a cold cache. Targets on a 2-core machine: real-time factor >= 1.5 at 480p and >= 1.0
at 720p; peak RSS <= 1500 MB for 180 s at 720p and within 20 % of the 30 s figure; saving a
3-minute video again after changing only an audio gain in <= 5 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# This file is named like the package it measures: keep its folder from shadowing that package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "workflows" / "default.json"


def run_child(seconds: float, resolution: str, resave: bool) -> dict[str, Any]:
    """One cold run in a fresh process (so its peak RSS is its own)."""
    command = [sys.executable, __file__, "--child", "--seconds", str(seconds), "--resolution", resolution]
    if resave:
        command.append("--resave")
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(seconds: float, resolution: str, resave: bool) -> dict[str, Any]:
    from graph import ContentStore, DiskTier, Executor, MemoryTier, Paths, Workflow, load_registry

    registry = load_registry()
    with tempfile.TemporaryDirectory(prefix="wg-bench-") as folder:
        paths = Paths.under(folder)
        store = ContentStore(MemoryTier(2 << 30), DiskTier(paths.cache, registry.codecs))
        executor = Executor(registry, store, paths)
        workflow = Workflow.load(DEFAULT, registry)
        workflow.set_input("Wander", "duration", seconds)
        workflow.set_input("RenderVideo", "resolution", resolution)
        started = time.perf_counter()
        result = executor.run(workflow)
        wall = time.perf_counter() - started
        report = {"seconds": seconds, "resolution": resolution, "wall_s": round(wall, 2),
                  "realtime_factor": round(seconds / wall, 3), "file_mb": round(
                      sum(p.stat().st_size for files in result.files.values() for p in files) / 2**20, 2)}
        if resave:
            workflow.set_input("GenerateAudio", "ambience", 0.5)
            started = time.perf_counter()
            again = executor.run(workflow)
            report["audio_only_resave_s"] = round(time.perf_counter() - started, 2)
            report["audio_only_resave_executed"] = again.executed
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def sync_error_ms(seconds: float = 180.0, fps: int = 30, segment: int = 60) -> float:
    """Largest offset between a white flash and its click across ``seconds`` of video: flashes sit just
    before, on and after every segment join, the file is written and decoded like any output."""
    import numpy as np

    from media.audio import RATE, AudioTrack
    from media.video import FORMATS, decode_audio, decode_frames, encode_segment, write

    frames_total = round(seconds * fps)
    flashes = sorted({f for join in range(segment, frames_total, segment) for f in (join - 1, join, join + 7)
                      if f < frames_total})
    audio = np.zeros((round(seconds * RATE), 2), dtype=np.float32)
    for frame in flashes:
        start = round(frame / fps * RATE)
        audio[start:start + 24] = 0.9

    def segments() -> Iterator[bytes]:
        for first in range(0, frames_total, segment):
            frames = np.zeros((min(segment, frames_total - first), 48, 64, 3), dtype=np.uint8)
            for frame in flashes:
                if first <= frame < first + frames.shape[0]:
                    frames[frame - first] = 255
            yield encode_segment(frames, fps, FORMATS["mp4"], "draft")

    with tempfile.TemporaryDirectory(prefix="wg-sync-") as folder:
        path = Path(folder) / "sync.mp4"
        write(path, FORMATS["mp4"], fps, frames_total, segment, segments(), AudioTrack(audio), {})
        seen = [i for i, frame in enumerate(f for batch in decode_frames(path, 256) for f in batch)
                if frame.mean() > 200]
        heard = decode_audio(path)
    assert heard is not None and seen == flashes, "a flash went missing"
    loud = np.nonzero(np.abs(heard.samples[:, 0]) > 0.3)[0]
    onsets = [int(i) for k, i in enumerate(loud) if k == 0 or i - loud[k - 1] > 100]
    return max(abs(onset / RATE - frame / fps) for onset, frame in zip(onsets, flashes, strict=True)) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=60.0, help=argparse.SUPPRESS)
    parser.add_argument("--resolution", default="480p", help=argparse.SUPPRESS)
    parser.add_argument("--resave", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--long-seconds", type=float, default=180.0, help="length of the long 720p run")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.seconds, args.resolution, args.resave)))
        return
    run_child(14.0, "480p", False)  # warm the compiled kernels (numba caches them on disk)
    e480 = run_child(60.0, "480p", False)
    e720 = run_child(60.0, "720p", False)
    short = run_child(30.0, "720p", False)
    long = run_child(args.long_seconds, "720p", True)
    report = {
        "av_sync_max_error_ms_180s": round(sync_error_ms(), 3),
        "e2e_480p_60s_wall_s": e480["wall_s"],
        "e2e_480p_realtime_factor": e480["realtime_factor"],
        "e2e_720p_realtime_factor": e720["realtime_factor"],
        "peak_rss_mb_30s_720p": short["peak_rss_mb"],
        "peak_rss_mb_180s_720p": long["peak_rss_mb"],
        "peak_rss_growth": round(long["peak_rss_mb"] / short["peak_rss_mb"] - 1.0, 3),
        "audio_only_resave_s": long["audio_only_resave_s"],
        "audio_only_resave_executed": long["audio_only_resave_executed"],
        "long_seconds": args.long_seconds,
        "runs": {"480p_60s": e480, "720p_60s": e720, "720p_30s": short, "720p_long": long},
        "python": sys.version.split()[0],
    }
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
