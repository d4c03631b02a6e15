"""Keep: a live session's walk and events become workflow changes, and the kept workflow, run by another
executor that shares only the disk cache (as a job worker does), shows the very same poses and pixels without
stepping a single state again."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

import world.timeline
from graph import Executor, Workflow, create_executor
from live import LiveSession
from live.protocol import Event, LiveInput
from webserver.live import LiveStart, keep_changes
from world.edits import InsertCharacter, PlotEvent

SIZE = (96, 54)


def walk_workflow(mode: str = "explore", waypoints: str = "[]") -> dict[str, Any]:
    return {
        "format": "worldgraph/workflow", "version": 2,
        "nodes": {
            "1": {"class": "LoadWorld", "inputs": {"source": "preset", "preset": "alpine_meadow", "seed": 3}},
            "2": {"class": "WanderRollout", "inputs": {"mode": mode, "duration": 3.0, "fps": 10, "seed": 4,
                                                       "segment_seconds": 1.0, "waypoints": waypoints}},
            "3": {"class": "PlotEvent", "inputs": {"time": 2.5, "event": "time_of_day", "value": "",
                                                   "amount": 19.0, "transition_seconds": 0.0}},
            "4": {"class": "RenderVideo", "inputs": {"resolution": "240p"}},
            "5": {"class": "ChangeShot", "inputs": {"time": 6.0, "shot": "orbit"}},  # past the walk kept
        },
        "links": [{"from": ["1", "world"], "to": ["2", "world"]}, {"from": ["2", "latent"], "to": ["3", "latent"]},
                  {"from": ["3", "latent"], "to": ["5", "latent"]}, {"from": ["5", "latent"], "to": ["4", "latent"]}],
    }


def apply_keep(workflow: dict[str, Any], keep: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """What the editor does with a Keep: the walk's inputs, then the events chained after the played node."""
    kept = copy.deepcopy(workflow)
    kept["nodes"][keep["walk"]["node"]]["inputs"].update(keep["walk"]["inputs"])
    previous = keep["after"]
    consumers = [link for link in kept["links"] if link["from"] == [previous, "latent"]]
    for i, event in enumerate(keep["events"]):
        node = f"live{i}"
        kept["nodes"][node] = {"class": event["class_type"], "inputs": event["inputs"]}
        kept["links"].append({"from": [previous, "latent"], "to": [node, "latent"]})
        previous = node
    for link in consumers:
        link["from"] = [previous, "latent"]
    return kept, previous


def play(executor: Executor, workflow: dict[str, Any], start_s: float) -> tuple[LiveSession, list[Any]]:
    rollout = executor.evaluate(Workflow.from_dict(workflow, executor.registry), "3")[0]
    session = LiveSession(rollout, executor.store, SIZE, start=round(start_s * rollout.fps))
    shown = [session.current()]
    session.hold(LiveInput(1, (1.0, 0.3, 0.0), (2.345678, -0.5), sprint=True))
    shown += [session.tick() for _ in range(8)]
    session.trigger(Event(2, PlotEvent, {"kind": "weather", "value": "snow", "transition_frames": 3}))
    session.trigger(Event(3, InsertCharacter, {"archetype": "deer", "behaviour": "flee", "a": 9}))
    session.hold(LiveInput(4, (0.5, 0.0, 0.0), (-7.25, 1.0), jump=True))
    shown += [session.tick() for _ in range(25)]  # past the walk's 3 s: a kept walk is as long as it was played
    return session, shown


@pytest.mark.parametrize("mode, waypoints", [("explore", "[]"), ("waypoints", "[[2000, 2000], [2040, 2010]]")])
def test_the_kept_workflow_renders_the_session_exactly_from_the_states_it_kept(tmp_path, monkeypatch, mode,
                                                                                 waypoints) -> None:
    workflow = walk_workflow(mode, waypoints)
    live = create_executor(tmp_path, cache_dir=tmp_path / "cache")
    session, shown = play(live, workflow, start_s=1.3)
    start = LiveStart(workflow, "3", SIZE, 1.3)
    changes = keep_changes(live, start, session, keep=True)["keep"]
    assert changes["walk"]["node"] == "2" and changes["after"] == "3"
    # 4.7 s were played; the shot at 6 s downstream keeps the walk 6.1 s long (standing still after 4.7 s)
    assert changes["walk"]["inputs"]["mode"] == "track" and changes["walk"]["inputs"]["duration"] == 6.1
    assert [event["class_type"] for event in changes["events"]] == ["PlotEvent", "InsertCharacter"]
    assert changes["events"][0]["inputs"]["time"] == pytest.approx(2.2)
    kept, last = apply_keep(workflow, changes)

    def no_stepping(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the kept walk was simulated again")

    offline = create_executor(tmp_path, cache_dir=tmp_path / "cache")  # a fresh memory: a job worker's
    # (InsertCharacter checks where the deer stands on the walk before it, stepping its segment up to then)
    assert [link["from"] for link in kept["links"] if link["to"] == ["5", "latent"]] == [[last, "latent"]]
    rollout = offline.evaluate(Workflow.from_dict(kept, offline.registry), "5")[0]
    monkeypatch.setattr(world.timeline, "advance", no_stepping)
    assert rollout.frames == 61 and len(rollout.edits) == 4  # 1.3 s kept, 34 frames live, then standing still
    for frame in shown:
        view = rollout.view_at(frame.frame, offline.store)
        x, y, _, yaw = view.walker
        assert (float(x), float(y), float(np.degrees(yaw))) == (frame.pose[0], frame.pose[1], frame.pose[3])
        assert np.array_equal(rollout.render_frame(frame.frame, SIZE, offline.store), frame.pixels), frame.frame


def test_discarding_keeps_nothing_and_a_walk_that_is_not_a_wander_cannot_be_kept(tmp_path) -> None:
    workflow = walk_workflow()
    executor = create_executor(tmp_path, cache_dir=tmp_path / "cache")
    session, _ = play(executor, workflow, start_s=0.0)
    start = LiveStart(workflow, "3", SIZE, 0.0)
    assert keep_changes(executor, start, session, keep=False) == {"keep": None}
    orphan = copy.deepcopy(workflow)
    orphan["links"] = [link for link in orphan["links"] if link["to"] != ["3", "latent"]]
    refused = keep_changes(executor, LiveStart(orphan, "3", SIZE, 0.0), session, keep=True)
    assert refused["keep"] is None and "not fed by a WanderRollout" in refused["keep_refused"]
