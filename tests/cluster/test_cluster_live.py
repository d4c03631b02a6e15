"""Live sessions on a cluster (``Config(cluster=...)``): each plays on a cluster worker with a free CPU
(graph.cluster.ClusterProcess), its frames and notes reaching the socket as from a forked process; a session whose
worker dies ends with a message and the server goes on; with no free CPU a start is refused, saying why."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from clusterkit import run_async

import server
from graph.cluster import ClusterProcess, ExecutorRecipe, NoFreeWorker
from graph.packs import PackOptions
from webserver.keys import EXECUTOR, LIVE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from livekit import crash_after_input, next_frame, next_json, start_message
from serverkit import serve

FAULTY = PackOptions((Path(__file__).resolve().parents[1] / "server" / "packs",), allow=frozenset({"faulty"}))


async def slot_given_back(app) -> None:
    for _ in range(200):
        if app[LIVE].sessions == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the session's slot was not given back")


@run_async
async def test_a_live_session_plays_on_a_cluster_worker_and_a_crash_there_ends_only_it(ray_cluster, tmp_path):
    app = server.create_app(server.Config(root=tmp_path, cluster="local", packs=FAULTY))
    async with serve(app) as client:
        ws = await client.ws_connect("/live")
        await next_json(ws)
        await ws.send_json(start_message())
        ready = await next_json(ws)
        assert ready["type"] == "ready" and ready["fps"] == 10 and ready["size"] == [160, 90], ready
        [session] = app[LIVE].playing
        assert isinstance(session, ClusterProcess) and session.pid not in (None, os.getpid())
        first = await next_frame(ws)
        await ws.send_json({"type": "input", "seq": 1, "move": [1, 0, 0]})
        header = await next_frame(ws)
        while header["input_seq"] < 1:
            header = await next_frame(ws)
        assert header["frame"] > first["frame"]
        await ws.send_json({"type": "end"})
        recording = await next_json(ws)
        while recording["type"] != "recording":
            recording = await next_json(ws)
        assert len(recording["actions"]) >= 2 and recording["actions"][-1]["move"][0] == 1.0
        await slot_given_back(app)

        crashing = await client.ws_connect("/live")
        await next_json(crashing)
        note = await crash_after_input(crashing)
        assert note["type"] == "error" and note["message"].startswith(
            "the live session crashed: its cluster worker died"), note
        assert (await client.get("/system_stats")).status == 200
        await slot_given_back(app)


def test_with_no_free_cpu_a_session_start_is_refused_saying_why(ray_cluster, tmp_path):
    blocker = ray_cluster.remote(num_cpus=2)(type("Blocker", (), {"ping": lambda self: True})).remote()
    ray_cluster.get(blocker.ping.remote())  # holds both CPUs of the test cluster
    try:
        app = server.create_app(server.Config(root=tmp_path, cluster="local"))
        session = ClusterProcess(ExecutorRecipe.of(app[EXECUTOR]), "local", lambda executor, conn: None,
                                 place_seconds=1.0)
        with pytest.raises(NoFreeWorker, match="no cluster worker had a free CPU for a live session within 1 s"):
            session.start()
        assert session.actor is None  # the pending one was cancelled
    finally:
        ray_cluster.kill(blocker)
