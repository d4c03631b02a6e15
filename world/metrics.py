"""Quality metrics for world rollouts: revisit consistency, action following, temporal stability, drift."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .actions import ActionTrack
from .physics import PLAYER
from .terrain import TILE_M
from .timeline import Timeline
from .store import Store


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 images; ``inf`` when identical."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


def revisit_track(frames: int, fps: int, x: float, y: float, yaw_degrees: float) -> ActionTrack:
    """A -> B -> A: stand at pose A, walk away and turn around, walk back, and stand at A again."""
    track = ActionTrack.empty(frames)
    quarter = frames // 4
    track.pose[0] = (x, y, yaw_degrees)
    track.move[1:quarter, 0] = 1.0
    track.look[quarter:2 * quarter, 0] = 180.0 / quarter
    track.move[2 * quarter:3 * quarter, 0] = 1.0
    track.pose[frames - 1] = (x, y, yaw_degrees)
    return track


def revisit_psnr(timeline: Timeline, size: tuple[int, int], store: Store) -> float:
    """PSNR between the first and last frame of a timeline that returns to its first pose."""
    return psnr(timeline.render_frame(0, size, store), timeline.render_frame(timeline.frames - 1, size, store))


@dataclass(frozen=True)
class Following:
    mean_error_m: float
    max_error_m: float
    blocked_share: float


def action_following(timeline: Timeline, store: Store) -> Following:
    """Commanded walking displacement per frame against the displacement the walker realised.

    Collisions, slopes and water legitimately stop a walker: ``blocked_share`` counts those frames.
    """
    dt = 1.0 / timeline.fps
    errors, blocked = [], 0
    previous = None
    for k in range(timeline.segment_count):
        for offset, frame_view in enumerate(timeline.segment(k, store).views):
            frame = k * timeline.segment_frames + offset
            x, y, _, yaw = frame_view.walker
            if previous is not None and np.isnan(timeline.actions.pose[frame, 0]):
                forward, strafe = (float(v) for v in timeline.actions.move[frame, :2])
                flags = int(timeline.actions.flags[frame])
                speed = PLAYER.sprint if flags & 2 else (PLAYER.crouch if flags & 4 else PLAYER.walk)
                wanted = np.asarray([math.cos(yaw) * forward + math.sin(yaw) * strafe,
                                     math.sin(yaw) * forward - math.cos(yaw) * strafe]) * speed * dt
                got = np.asarray([(x - previous[0] + TILE_M / 2) % TILE_M - TILE_M / 2,
                                  (y - previous[1] + TILE_M / 2) % TILE_M - TILE_M / 2])
                error = float(np.linalg.norm(wanted - got))
                if np.linalg.norm(got) < 0.2 * np.linalg.norm(wanted):
                    blocked += 1
                else:
                    errors.append(error)
            previous = (x, y)
    moved = len(errors) + blocked
    return Following(float(np.mean(errors)) if errors else 0.0, float(np.max(errors)) if errors else 0.0,
                     blocked / moved if moved else 0.0)


@dataclass(frozen=True)
class Stability:
    mean_change: float      # mean absolute difference between consecutive frames, 0..255
    flicker_frames: int     # one-frame spikes: a change far above the changes just before and after
    flicker_share: float


def temporal_stability(frames: Iterable[np.ndarray], spike: float = 2.5) -> Stability:
    """Camera motion changes many frames steadily; flicker is a change that comes and goes in one frame."""
    changes, previous = [], None
    for frame in frames:
        small = frame[::4, ::4].astype(np.int16)
        if previous is not None:
            changes.append(float(np.mean(np.abs(small - previous))))
        previous = small
    if not changes:
        return Stability(0.0, 0, 0.0)
    values = np.asarray(changes)
    if values.shape[0] < 3:
        return Stability(float(values.mean()), 0, 0.0)
    around = np.maximum(values[:-2], values[2:])
    flicker = int(np.sum(values[1:-1] > spike * around + 1.0))
    return Stability(float(values.mean()), flicker, flicker / len(values))


def drift(segments: Iterable[np.ndarray]) -> list[dict[str, float]]:
    """Per segment: mean brightness, contrast and colour balance, relative to the first segment."""
    rows, first = [], None
    for segment in segments:
        sample = segment[:, ::4, ::4].astype(np.float32)
        stats = np.asarray([sample.mean(), sample.std(), *sample.reshape(-1, 3).mean(axis=0)])
        first = stats if first is None else first
        deviation = np.abs(stats - first) / np.maximum(first, 1.0)
        rows.append({"brightness": float(stats[0]), "contrast": float(stats[1]),
                     "max_relative_change": float(deviation.max())})
    return rows
