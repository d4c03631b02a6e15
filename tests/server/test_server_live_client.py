"""``live.client`` and ``live.gym.RemoteWorldEnv`` against a real server on a real socket: a client starts,
moves, triggers an event and ends with the recording; the server's refusals and a session's end become
``LiveError`` with the server's words; the remote environment walks forward and passes Gymnasium's checker.

One server (with a token) serves the module. Its store holds the played world already (evaluated here before
the server forks its sessions, which inherit it), so a session starts in a fraction of a second.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from serverkit import ROOT, LiveServer

import graph
import server
from live import ProtocolError
from live.client import LiveClient, LiveClosed, LiveError
from live.gym import RemoteWorldEnv
from webserver.keys import LIVE

TOKEN = "live-client-test-token"
SIZE = (160, 90)


def wander() -> dict[str, Any]:
    workflow = json.loads((ROOT / "workflows" / "wander.json").read_text())
    workflow["nodes"]["1"]["inputs"]["preset"] = "alpine_meadow"  # the quickest world to generate
    workflow["nodes"]["2"]["inputs"].update(duration=4.0, fps=10)
    return workflow  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """``(url, app)`` of a server with a token whose store holds the wander walk and its world."""
    root: Path = tmp_path_factory.mktemp("live-client")
    registry = graph.load_registry()
    # a built world (terrain, its mips, the renderer) must fit in memory, or every frame rebuilds it
    store = graph.ContentStore(graph.MemoryTier(1 << 28), graph.DiskTier(root / "cache", registry.codecs))
    executor = graph.Executor(registry, store, graph.Paths.under(root))
    executor.evaluate(graph.Workflow.from_dict(wander(), registry, source="test"), "2")
    app = server.create_app(server.Config(root=root, token=TOKEN), executor)
    live = LiveServer(app)
    try:
        yield str(live.client.make_url("/")), app
    finally:
        live.close()


def test_a_client_plays_moves_triggers_and_ends_with_the_recording(served: tuple[str, Any]) -> None:
    url, _ = served
    with LiveClient(url, token=TOKEN, timeout=20) as live:
        assert live.hello["max_sessions"] == 2
        ready = live.start(wander(), "2", SIZE)
        assert (ready.fps, ready.frame, ready.size, ready.backend) == (10, 0, SIZE, "procedural")
        first = live.next_frame()
        assert first.pixels.shape == (90, 160, 3) and first.pixels.dtype == np.uint8 and first.input_seq == 0
        seq = live.send_input(move=(1, 0, 0), sprint=True)
        moved = live.next_frame(reflecting=seq)
        assert moved.input_seq == seq and moved.frame > first.frame
        for _ in range(5):
            moved = live.next_frame()
        assert np.hypot(moved.pose[0] - first.pose[0], moved.pose[1] - first.pose[1]) > 0.5
        with pytest.raises(ProtocolError, match=r"'move\[0\]' = 3.0 must be within \[-1, 1\]"):
            live.send_input(move=(3, 0, 0))  # checked as the server would, before it is sent
        live.trigger({"type": "PlotEvent", "kind": "weather", "value": "rain"})
        seq = live.send_input(move=(1, 0, 0), sprint=True)
        live.next_frame(reflecting=seq)
        recording = live.end()
    assert len(recording["actions"]) > moved.frame and recording["actions"][-1]["move"][0] == 1.0
    assert [edit["type"] for edit in recording["edits"]] == ["PlotEvent"]
    with pytest.raises(LiveClosed):
        live.next_frame(timeout=1)


def test_the_servers_refusals_are_exceptions_in_its_words(served: tuple[str, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    url, app = served
    with pytest.raises(LiveError, match="401"):
        LiveClient(url)  # no token
    with LiveClient(url, token=TOKEN, timeout=20) as live, \
            pytest.raises(LiveError, match=r"^node 3 \(RenderVideo\) has no LATENT output to play$"):
        live.start(wander(), "3", SIZE)
    monkeypatch.setattr(app[LIVE], "idle_seconds", 0.3)  # read as the next session forks
    with LiveClient(url, token=TOKEN, timeout=20) as live:
        live.start(wander(), "2", SIZE)
        with pytest.raises(LiveError, match=r"the session ended after 0.3 s without input"):
            for _ in live.frames():
                pass


def test_the_remote_environment_walks_forward_in_lock_step(served: tuple[str, Any]) -> None:
    url, _ = served
    env = RemoteWorldEnv(url, wander(), "2", SIZE, token=TOKEN, timeout=20)
    try:
        observation, info = env.reset(seed=1)
        assert observation.shape == (90, 160, 3) and set(info) == {"frame", "time", "pose"}
        walk = {"move": np.array([1, 0, 0], np.float32), "look": np.zeros(2, np.float32), "jump": 0, "sprint": 1,
                "crouch": 0}
        for _ in range(6):
            observation, reward, terminated, truncated, last = env.step(walk)
            assert reward == 0.0 and not terminated and not truncated and env.latency and env.latency > 0
        assert last["frame"] == info["frame"] + 6  # lock-step: one frame per step
        assert np.hypot(last["pose"][0] - info["pose"][0], last["pose"][1] - info["pose"][1]) > 0.5
        assert env.render() is observation
    finally:
        env.close()


def test_the_remote_environment_passes_gymnasiums_checker(served: tuple[str, Any]) -> None:
    url, _ = served
    env = RemoteWorldEnv(url, copy.deepcopy(wander()), "2", SIZE, token=TOKEN, max_frames=100, timeout=20)
    try:
        check_env(env, skip_render_check=True)
    finally:
        env.close()
