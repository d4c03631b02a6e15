"""The server with ``Config(cluster=...)``: jobs run on a Ray job actor (graph.cluster.RaySite) with the same
/ws events and outputs as the embedded worker process; a lost actor is a crashed job, retried once."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from clusterkit import film, frames_of, run_async

import graph
import server
from graph.cluster import RaySite
from graph.jobs import JobStore
from graph.packs import PackOptions
from graph.workers import WorkerLimits
from webserver.keys import WORKER

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from serverkit import finished, hello, messages_until, post_prompt, probe, serve

#: the server tests' pack of misbehaving nodes, loaded by the head and by every job actor
FAULTY = PackOptions((Path(__file__).resolve().parents[1] / "server" / "packs",), allow=frozenset({"faulty"}))

def app_over(root: Path, **config: Any) -> Any:
    executor = graph.create_executor(root, cache_dir=root / "cache")
    return server.create_app(server.Config(root=root, **config), executor)


async def one_job(app: Any, workflow: graph.Workflow) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    async with serve(app) as client:
        ws = await client.ws_connect("/ws?clientId=me")
        await ws.receive_json(timeout=30)
        body = await post_prompt(client, workflow.to_dict(), client_id="me")
        prompt_id = body["prompt_id"]
        seen = await messages_until(ws, lambda m: m["type"] in ("execution_success", "execution_error")
                                    and m["data"].get("prompt_id") == prompt_id, timeout=120)
        entry = await finished(client, prompt_id, timeout=30)
        return [m for m in seen if m["type"] != "status"], entry


def shape(events: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """What a client sees of a run, without ids and timings: (type, node), progress steps folded together."""
    out: list[tuple[str, Any]] = []
    for message in events:
        item = (message["type"], message["data"].get("node"))
        if not out or out[-1] != item or item[0] != "progress":
            out.append(item)
    return out


@run_async
async def test_a_job_on_the_cluster_matches_embedded(ray_cluster, tmp_path):
    workflow = film(2.0, prefix="served")
    embedded_events, embedded = await one_job(app_over(tmp_path / "embedded"), workflow)
    cluster_app = app_over(tmp_path / "cluster", cluster="local")
    cluster_events, clustered = await one_job(cluster_app, workflow)
    assert isinstance(cluster_app[WORKER].site, RaySite) and cluster_app[WORKER].site.started == 1

    assert embedded["status"]["status_str"] == clustered["status"]["status_str"] == "success", clustered
    assert shape(cluster_events) == shape(embedded_events)
    assert [m["type"] for m in cluster_events].count("progress") >= 4  # progress streamed, segment by segment
    assert clustered["outputs"] == embedded["outputs"]
    [entry] = clustered["outputs"]["out"]["videos"]
    ours = frames_of(tmp_path / "cluster" / "output" / entry["filename"])
    theirs = frames_of(tmp_path / "embedded" / "output" / entry["filename"])
    assert ours.shape == theirs.shape == (20, 480, 854, 3)
    assert abs(ours.astype(int) - theirs.astype(int)).mean() < 1.0


@run_async
async def test_a_job_whose_cluster_worker_dies_runs_once_more(ray_cluster, tmp_path):
    app = app_over(tmp_path, cluster="local")
    site = app[WORKER].site
    async with serve(app) as client:
        ws = await client.ws_connect("/ws?clientId=me")
        await ws.receive_json(timeout=30)
        assert isinstance(site, RaySite) and site.worker_pid not in (None, os.getpid())
        first = site.worker_pid
        prompt_id = (await post_prompt(client, film(3.0, prefix="crash").to_dict(), client_id="me"))["prompt_id"]
        await messages_until(ws, lambda m: m["type"] == "progress" and m["data"]["node"] == "out", timeout=120)
        os.kill(first, signal.SIGKILL)
        seen = await messages_until(ws, lambda m: m["type"] == "execution_success", timeout=120)
        entry = await finished(client, prompt_id, timeout=30)
    errors = [m for m in seen if m["type"] == "execution_error"]
    assert errors and errors[0]["data"]["exception_type"] == "WorkerCrashed"
    assert entry["status"]["status_str"] == "success"
    assert site.started == 2  # a fresh actor ran the second try
    # one output, whole; the killed try's temporary files (.wg-tmp-*) go at the next start, as with ProcessSite
    outputs = sorted(p.name for p in (tmp_path / "output").iterdir() if not p.name.startswith(".wg-tmp-"))
    assert outputs == ["crash_00001_.mp4"]
    assert frames_of(tmp_path / "output" / outputs[0]).shape == (30, 480, 854, 3)


@run_async
async def test_two_jobs_run_at_once_on_two_job_actors(ray_cluster, tmp_path):
    app = app_over(tmp_path, cluster="local", cluster_jobs=2)
    async with serve(app) as client:
        ws = await client.ws_connect("/ws?clientId=me")
        await ws.receive_json(timeout=30)
        ids = [(await post_prompt(client, film(4.0, prefix=f"both{n}").to_dict(),
                                  client_id="me"))["prompt_id"] for n in range(2)]
        seen = await messages_until(ws, lambda m: m["type"] == "execution_success" and
                                    m["data"].get("prompt_id") == ids[0], timeout=180)
        started = {m["data"]["prompt_id"] for m in seen if m["type"] == "execution_start"}
        assert started == set(ids), "the second job waited for the first to end"
        for prompt_id in ids:
            assert (await finished(client, prompt_id, timeout=120))["status"]["status_str"] == "success"
        sites = app[WORKER].sites
        assert len(sites) == 2 and len({site.worker_pid for site in sites}) == 2


@run_async
async def test_a_node_that_fails_on_its_input_fails_once_on_the_cluster(ray_cluster, tmp_path):
    workflow = film(2.0, prefix="bad")
    workflow.nodes["wander"].inputs.update(mode="waypoints", waypoints="[[5000, 5000]]")  # off the map
    app = app_over(tmp_path, cluster="local")
    events, entry = await one_job(app, workflow)
    assert entry["status"]["status_str"] == "error"
    failure = next(m["data"] for m in events if m["type"] == "execution_error")
    assert failure["node_id"] == "wander" and "off the map" in failure["exception_message"], failure
    jobs = JobStore(tmp_path / "state" / "jobs.sqlite3")
    try:
        job = jobs.get(failure["prompt_id"])
        assert job is not None and job.attempts == 1  # reported as embedded, not run again
    finally:
        jobs.close()


@run_async
async def test_time_limits_and_interrupts_stop_a_stuck_node_on_the_cluster(ray_cluster, tmp_path):
    config = server.Config(root=tmp_path, cluster="local", packs=FAULTY,
                           limits=WorkerLimits(grace=0.3, node_seconds=1.0))
    app = server.create_app(config)
    async with serve(app) as client:
        ws = await client.ws_connect("/ws?clientId=me")
        await ws.receive_json(timeout=30)
        limited = await post_prompt(client, probe("ProbeSleepForever", 2), client_id="me")
        entry = await finished(client, limited["prompt_id"], timeout=60)
        assert entry["status"]["status_str"] == "error"
        error = entry["status"]["messages"][0][1]
        assert error["message"] == "node 1 (ProbeSleepForever) ran past the node time limit of 1 s", error

        stuck = await post_prompt(client, probe("ProbeSleepForever", 3), client_id="me")
        await messages_until(ws, lambda m: m["type"] == "executing" and m["data"].get("node") == "1"
                             and m["data"].get("prompt_id") == stuck["prompt_id"], timeout=60)
        answer = await (await client.post("/interrupt", json={"prompt_id": stuck["prompt_id"]})).json()
        assert answer == {"interrupted": stuck["prompt_id"], "stopped": "killed"}
        assert (await finished(client, stuck["prompt_id"], timeout=30))["status"]["status_str"] == "interrupted"

        after = await post_prompt(client, hello(seed=104, prefix="after_stuck"))
        assert (await finished(client, after["prompt_id"], timeout=60))["status"]["status_str"] == "success"
    assert app[WORKER].site.started == 3  # each stop killed the actor; a fresh one ran the next job


@run_async
async def test_a_job_actor_over_its_memory_limit_is_stopped(ray_cluster, tmp_path):
    app = server.create_app(server.Config(root=tmp_path, cluster="local", packs=FAULTY))
    async with serve(app) as client:
        site = app[WORKER].site
        _, resident = ray_cluster.get(site.actor.poll.remote(0.0))  # the actor reports its own size
        assert resident is not None and resident > 0
        site.limits = WorkerLimits(memory_bytes=resident + 400 * 2**20)
        job = await post_prompt(client, probe("ProbeAllocate", 1024))
        entry = await finished(client, job["prompt_id"], timeout=60)
        error = entry["status"]["messages"][0][1]
        assert error["message"].startswith("node 1 (ProbeAllocate) took the worker to "), error
        assert "over its memory limit of" in error["message"]
        after = await post_prompt(client, hello(seed=105, prefix="after_memory"))
        assert (await finished(client, after["prompt_id"], timeout=60))["status"]["status_str"] == "success"
