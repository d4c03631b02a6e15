"""What Keep makes of a session: the walk's inputs and the Director nodes of the events (``docs/live.md``).

The workflow itself is the caller's: this module speaks of node class names and widget inputs only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from world.edits import DIRECTOR_NODES, director_inputs, frame_of

from .session import LiveSession

__all__ = ["DIRECTOR_NODES", "WALK_NODE", "event_nodes", "walk_frames", "walk_inputs"]

#: the node a kept walk is written into (its "track" mode replays it)
WALK_NODE = "WanderRollout"


def walk_frames(session: LiveSession, director_times: Iterable[float]) -> int:
    """How long the kept walk is: as played, or as the Director nodes it feeds need (their times, in seconds)."""
    needed = [frame_of(time, session.fps) + 1 for time in director_times if time >= 0]
    return max([session.frame + 1, *needed])


def walk_inputs(session: LiveSession, frames: int, waypoints: str) -> dict[str, Any]:
    """The walk node's new inputs: the recorded track (the rest of ``frames`` stands still)."""
    return {"mode": "track", "duration": frames / session.fps,
            "track": json.dumps(session.recording.track().to_json(), separators=(",", ":")),
            "waypoints": waypoints}


def event_nodes(session: LiveSession) -> list[dict[str, Any]]:
    """One Director node per event played live, in order: its class and its widget inputs (``time`` included)."""
    nodes = []
    for edit in session.recording.added:
        node, inputs = director_inputs(edit, session.fps)
        nodes.append({"class_type": node, "inputs": inputs})
    return nodes
