"""World engine benchmark (not a test: prints numbers).

    python bench/world.py --json

Targets on a 2-core machine: ``fps_480p`` >= 90 and ``fps_720p`` >= 45 (10 s of wander with
characters, simulation included); ``edit_ratio`` <= 0.3 (re-render after an edit at 80 % of a 60 s
clip, over rendering the whole clip); ``revisit_psnr_db`` = inf (same pose, same light: identical).
``split_480p_ms_per_frame`` says where a 480p frame's time goes (the stages ``world.stages`` marks).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

# This file is named like the package it measures: keep its folder from shadowing that package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from graph import ContentStore, MemoryTier  # noqa: E402
from world import metrics, stages, wander  # noqa: E402
from world.edits import ChangeShot, InsertCharacter  # noqa: E402
from world.physics import Body  # noqa: E402
from world.presets import PRESETS  # noqa: E402
from world.render import SIZES  # noqa: E402
from world.timeline import Timeline  # noqa: E402
from world.world import load_world  # noqa: E402


def timeline_for(store: ContentStore, preset: str, seconds: float, fps: int = 30) -> Timeline:
    spec = PRESETS[preset]
    world = load_world(spec, store)
    x, y = world.spawn_point()
    frames = round(seconds * fps)
    actions = wander.plan(world, "explore", Body(x, y, world.ground(x, y), 0.7), frames, fps, seed=1)
    timeline = Timeline(spec, fps, frames, 2 * fps, (x, y, 0.7), 0.0, actions, seed=1)
    cast = ((0, "hiker", "follow", 8.0, 2.5), (0, "deer", "wander", 14.0, -4.0), (fps, "robot", "wander", 10.0, 5.0))
    for frame, archetype, behaviour, ahead, right in cast:
        try:
            edit = InsertCharacter(frame, archetype, behaviour, "relative", ahead, right, seed=frame)
            timeline = timeline.with_edit(edit)
        except ValueError:
            continue
    return timeline


def render_all(timeline: Timeline, size: tuple[int, int], store: ContentStore) -> float:
    started = time.perf_counter()
    for k in range(timeline.segment_count):
        timeline.render_segment(k, size, store)
    return time.perf_counter() - started


def measure(preset: str, long_seconds: float) -> dict[str, Any]:
    store = ContentStore(MemoryTier(6 << 30))
    warm = timeline_for(store, preset, 1.0)
    for size in SIZES.values():
        warm.render_frame(0, size, store)  # load or compile the kernels once
    report: dict[str, Any] = {"preset": preset}
    for name in ("480p", "720p"):
        clip = timeline_for(store, preset, 10.0)
        with stages.timed() as split:
            report[f"fps_{name}"] = round(clip.frames / render_all(clip, SIZES[name], store), 1)
        report[f"split_{name}_ms_per_frame"] = {stage: round(seconds * 1000 / clip.frames, 2)
                                               for stage, seconds in split.seconds.items()}
    store = ContentStore(MemoryTier(6 << 30))  # the long clip shares no cached segment with the clips above
    load_world(PRESETS[preset], store)
    clip = timeline_for(store, preset, long_seconds)
    full = render_all(clip, SIZES["480p"], store)
    frames = [clip.render_segment(k, SIZES["480p"], store) for k in range(clip.segment_count)]
    stability = metrics.temporal_stability(f for segment in frames for f in segment)
    drift = metrics.drift(frames)
    edited = clip.with_edit(ChangeShot(int(clip.frames * 0.8), "third_person"))
    again = render_all(edited, SIZES["480p"], store)
    report.update({
        "edit_ratio": round(again / full, 3),
        "long_clip_seconds": long_seconds,
        "long_clip_render_s": round(full, 2),
        "edit_rerender_s": round(again, 2),
    })
    following = metrics.action_following(clip, store)
    report["action_following"] = {"mean_error_m": round(following.mean_error_m, 5),
                                  "max_error_m": round(following.max_error_m, 5),
                                  "blocked_share": round(following.blocked_share, 4)}
    report["temporal_stability"] = {"mean_change": round(stability.mean_change, 3),
                                    "flicker_frames": stability.flicker_frames,
                                    "flicker_share": round(stability.flicker_share, 4)}
    report["drift_max_relative_change"] = round(max(row["max_relative_change"] for row in drift), 4)
    world = load_world(PRESETS[preset], store)
    x, y = world.spawn_point()
    revisit = Timeline(PRESETS[preset], 30, 240, 60, (x, y, 0.0), 0.0, metrics.revisit_track(240, 30, x, y, 40.0))
    value = metrics.revisit_psnr(revisit, SIZES["480p"], store)
    report["revisit_psnr_db"] = "inf" if math.isinf(value) else round(value, 2)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--preset", default="pine_forest", choices=sorted(PRESETS))
    parser.add_argument("--long-seconds", type=float, default=60.0, help="length of the edit-ratio clip")
    args = parser.parse_args()
    report = measure(args.preset, args.long_seconds)
    report["python"] = sys.version.split()[0]
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
