"""How to send live frames: JPEG per frame against H.264 (not a test: prints numbers).

    python bench/live_codec.py --json

Plays a walk through a world as a live session does (frames rendered one by one at 480p, 30 fps) and encodes
the same frames both ways: baseline JPEG at the live quality, and H.264 (x264 through PyAV, tuned for zero
latency: no B-frames, no look-ahead, one frame in, one packet out). It prints the encode time per frame, the
bit rate at 30 fps, and the PSNR of what a client decodes, per codec and frame size. The live protocol sends
JPEG; these figures are the reason (``docs/live.md``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

# This file's folder holds benches named like the packages they measure: keep it from shadowing them.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import av  # noqa: E402
import numpy as np  # noqa: E402

from live import LiveInput, LiveSession  # noqa: E402
from media.image import decode_image, encode_jpeg  # noqa: E402
from world.actions import ActionTrack  # noqa: E402
from world.presets import PRESETS  # noqa: E402
from world.store import DictStore  # noqa: E402
from world.timeline import Timeline  # noqa: E402
from world.world import load_world  # noqa: E402

FPS = 30
SIZES = {"480p": (854, 480), "720p": (1280, 720)}


def walk_frames(size: tuple[int, int], count: int) -> list[np.ndarray]:
    """``count`` frames of a live walk (forward, turning, sprinting)."""
    spec = PRESETS["pine_forest"]
    store = DictStore()
    x, y = load_world(spec, store).spawn_point()
    walk = Timeline(spec, FPS, count + 1, 2 * FPS, (x, y, 0.3), 0.0, ActionTrack.empty(count + 1))
    session = LiveSession(walk, store, size)
    session.hold(LiveInput(1, (1.0, 0.0, 0.0), (1.5, 0.0), sprint=True))
    return [session.tick().pixels for _ in range(count)]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(error, 1e-12)))


def jpeg(frames: list[np.ndarray], quality: int) -> dict[str, float]:
    started = time.perf_counter()
    encoded = [encode_jpeg(frame, quality) for frame in frames]
    seconds = time.perf_counter() - started
    decoded = [decode_image(data)[0] for data in encoded[::10]]
    return _figures(seconds, [len(data) for data in encoded], frames[::10], decoded)


def h264(frames: list[np.ndarray], crf: int) -> dict[str, float]:
    height, width = frames[0].shape[:2]
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base, encoder.framerate = Fraction(1, FPS), Fraction(FPS)
    encoder.options = {"preset": "ultrafast", "tune": "zerolatency", "crf": str(crf), "g": str(2 * FPS)}
    started, packets = time.perf_counter(), []
    for i, frame in enumerate(frames):
        picture = av.VideoFrame.from_ndarray(frame, format="rgb24")
        picture.pts = i
        packets.append(encoder.encode(picture))  # zero latency: this frame's packet comes out now
    seconds = time.perf_counter() - started
    decoder = av.CodecContext.create("h264", "r")
    decoded = [out.to_ndarray(format="rgb24") for group in packets for packet in group
               for out in decoder.decode(packet)]
    return _figures(seconds, [sum(p.size for p in group) for group in packets], frames[::10], decoded[::10])


def _figures(seconds: float, sizes: list[int], originals: list[np.ndarray], decoded: list[np.ndarray]
             ) -> dict[str, float]:
    pairs = list(zip(originals, decoded, strict=True))
    return {"encode_ms_per_frame": round(seconds * 1000 / len(sizes), 2),
            "mbit_per_s": round(sum(sizes) * 8 * FPS / len(sizes) / 1e6, 2),
            "psnr_db": round(float(np.mean([psnr(a, b) for a, b in pairs])), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()
    report: dict[str, Any] = {}
    for name, size in SIZES.items():
        frames = walk_frames(size, args.frames)
        report[f"jpeg80_{name}"] = jpeg(frames, 80)
        report[f"h264_crf23_{name}"] = h264(frames, 23)
        report[f"h264_crf28_{name}"] = h264(frames, 28)
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
