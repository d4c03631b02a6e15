"""Make ``meadow.png``, the pack's example picture: one frame of the procedural simulator, standing
level at eye height on nearly flat ground (what the depth heuristic assumes), 80 degrees across.

Run from the repository root: ``python custom_nodes/example_world/examples/make_example.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from media.image import encode_png
from world.actions import ActionTrack
from world.spec import WorldSpec
from world.store import DictStore
from world.timeline import Timeline
from world.world import load_world

SPEC = WorldSpec(seed=11, biome="meadow", relief=0.08, roughness=0.3, vegetation=0.45, rocks=0.4,
                 time_of_day=15.0, fog=0.1)
YAW = 0.6      # radians, counter-clockwise from east
SIZE = (640, 360)


def main(out: Path) -> None:
    store = DictStore()
    x, y = load_world(SPEC, store).spawn_point()
    walk = Timeline(SPEC, 30, 1, 1, (x, y, YAW), 0.0, ActionTrack.empty(1))
    out.write_bytes(encode_png(walk.render_frame(0, SIZE, store), compress_level=9))
    print(f"{out}: {out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("meadow.png"))
