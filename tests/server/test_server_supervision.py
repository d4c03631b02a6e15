"""Supervised execution: whatever a node does, the server answers, the job ends with an error that names the
node and the cause, the next job runs, and nothing loops. The faulty nodes come from a real pack
(``packs/faulty``) loaded the way ``custom_nodes/`` packs are."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
from serverkit import finished, hello, messages_until, post_prompt, probe, run_async, serve, workflow

import graph
from graph.jobs import MAX_ATTEMPTS, JobStore
from graph.packs import PackOptions, load_packs
from graph.workers import JobRequest, ProcessSite, WorkerLimits
from graph.workers.supervised import JOB_NICENESS
from webserver.keys import WORKER

PACKS = Path(__file__).parent / "packs"


@pytest.fixture
def faulty(registry: graph.NodeRegistry) -> graph.NodeRegistry:
    reports = load_packs(registry, PackOptions(paths=(PACKS,), allow=frozenset({"faulty"})))
    assert [report.status for report in reports] == ["loaded"], reports
    return registry


async def answers(client: Any) -> None:
    """The server answers a cheap request at once."""
    started = time.monotonic()
    response = await client.get("/system_stats")
    assert response.status == 200
    assert time.monotonic() - started < 2.0, "the server stalled"


async def error_of(client: Any, prompt_id: str, timeout: float = 20.0) -> dict[str, Any]:
    entry = await finished(client, prompt_id, timeout=timeout)
    assert entry["status"]["status_str"] == "error", entry
    return entry["status"]["messages"][0][1]


def worker_pid(app: Any) -> int | None:
    return app[WORKER].site.worker_pid


@pytest.mark.parametrize(("class_type", "cause"), [
    ("ProbeSegv", "signal 11 (SIGSEGV)"),
    ("ProbeExit", "exit status 1"),
])
@run_async
async def test_a_node_that_kills_its_worker_fails_its_job_twice_at_most_and_the_next_job_runs(
        make_app, faulty, class_type, cause):
    app = make_app(registry_=faulty)
    async with serve(app) as client:
        first_pid = worker_pid(app)
        crash = await post_prompt(client, probe(class_type))
        after = await post_prompt(client, hello(seed=101, prefix="after_crash"))
        await answers(client)
        error = await error_of(client, crash["prompt_id"])
        assert error["message"].startswith(f"node 1 ({class_type}) crashed the worker: {cause}"), error
        assert f"on each of its {MAX_ATTEMPTS} runs" in error["message"] and error["poison"] is True
        assert error["node_id"] == "1" and error["class_type"] == class_type
        assert (await finished(client, after["prompt_id"]))["status"]["status_str"] == "success"
        assert worker_pid(app) != first_pid, "the dead worker was not replaced"
        await answers(client)
        server_niceness = os.getpriority(os.PRIO_PROCESS, 0)  # jobs yield the cores to the server and live play
        assert os.getpriority(os.PRIO_PROCESS, worker_pid(app)) == min(server_niceness + JOB_NICENESS, 19)


@pytest.mark.parametrize(("class_type", "exception"), [
    ("ProbeSystemExit", "SystemExit"), ("ProbeKeyboardInterrupt", "KeyboardInterrupt"),
    ("ProbeHugeAllocation", "MemoryError"),
])
@run_async
async def test_base_exceptions_and_failed_allocations_are_the_nodes_errors(make_app, faulty, class_type, exception):
    app = make_app(registry_=faulty)
    async with serve(app) as client:
        pid = worker_pid(app)
        job = await post_prompt(client, probe(class_type))
        error = await error_of(client, job["prompt_id"])
        assert error["node_id"] == "1" and error["exception_type"] == exception, error
        after = await post_prompt(client, hello(seed=102, prefix="after_exit"))
        assert (await finished(client, after["prompt_id"]))["status"]["status_str"] == "success"
        assert worker_pid(app) == pid, "an ordinary node error must not cost the warm worker"


@run_async
async def test_interrupt_kills_a_node_that_never_checks_after_the_grace_period(make_app, faulty):
    app = make_app(registry_=faulty, limits=WorkerLimits(grace=0.5))
    async with serve(app) as client:
        ws = await client.ws_connect("/ws?clientId=stuck")
        stuck = await post_prompt(client, probe("ProbeSleepForever"), client_id="stuck")
        after = await post_prompt(client, hello(seed=103, prefix="after_stuck"))
        await messages_until(ws, lambda m: m["type"] == "executing" and m["data"].get("node") == "1")
        await answers(client)
        started = time.monotonic()
        answer = await (await client.post("/interrupt", json={"prompt_id": stuck["prompt_id"]})).json()
        assert answer == {"interrupted": stuck["prompt_id"], "stopped": "killed"}
        assert time.monotonic() - started < 3.0
        entry = await finished(client, stuck["prompt_id"])
        assert entry["status"]["status_str"] == "interrupted"
        assert (await finished(client, after["prompt_id"]))["status"]["status_str"] == "success"


@run_async
async def test_shutdown_does_not_wait_for_a_stuck_node(make_app, faulty, tmp_path):
    app = make_app(registry_=faulty, limits=WorkerLimits(grace=0.5))
    async with serve(app) as client:
        ws = await client.ws_connect("/ws?clientId=stuck")
        stuck = await post_prompt(client, probe("ProbeSleepForever", 1), client_id="stuck")
        await messages_until(ws, lambda m: m["type"] == "executing" and m["data"].get("node") == "1")
        await ws.close()
        started = time.monotonic()
    assert time.monotonic() - started < 4.0, "shutdown waited for a node that never returns"
    store = JobStore(tmp_path / "state" / "jobs.sqlite3")
    try:
        job = store.get(stuck["prompt_id"])
        assert job is not None and job.status == "interrupted"  # stopped on purpose: not requeued, not poison
    finally:
        store.close()


@run_async
async def test_node_and_job_time_limits(make_app, faulty):
    app = make_app(registry_=faulty, limits=WorkerLimits(grace=0.3, node_seconds=0.5))
    async with serve(app) as client:
        job = await post_prompt(client, probe("ProbeSleepForever", 2))
        error = await error_of(client, job["prompt_id"])
        assert error["message"] == "node 1 (ProbeSleepForever) ran past the node time limit of 0.5 s", error
        assert "poison" not in error
    app = make_app(registry_=faulty, limits=WorkerLimits(grace=0.3, job_seconds=0.5))
    async with serve(app) as client:
        job = await post_prompt(client, probe("ProbeSleepForever", 3))
        error = await error_of(client, job["prompt_id"])
        assert error["message"] == "the job ran past its time limit of 0.5 s (in node 1 (ProbeSleepForever))"


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads resident memory from /proc")
@run_async
async def test_a_worker_over_its_memory_limit_is_stopped(make_app, faulty):
    limit = _resident_bytes() + 200 * 2**20  # a forked worker starts at about this process's size
    app = make_app(registry_=faulty, limits=WorkerLimits(memory_bytes=limit))
    async with serve(app) as client:
        job = await post_prompt(client, probe("ProbeAllocate", 1024))
        error = await error_of(client, job["prompt_id"])
        assert error["message"].startswith("node 1 (ProbeAllocate) took the worker to "), error
        assert "over its memory limit of" in error["message"]
        after = await post_prompt(client, hello(seed=104, prefix="after_memory"))
        assert (await finished(client, after["prompt_id"]))["status"]["status_str"] == "success"


@run_async
async def test_validation_that_hangs_or_exits_is_refused_and_the_server_answers_meanwhile(make_app, faulty):
    app = make_app(registry_=faulty, check_seconds=1.0)
    async with serve(app) as client:
        hanging = asyncio.create_task(client.post("/prompt", json={"prompt": probe("ProbeValidateSleeps")}))
        await asyncio.sleep(0.2)
        await answers(client)
        response = await hanging
        body = await response.json()
        assert response.status == 400
        assert "took longer than 1 s" in body["error"]["message"], body
        response = await client.post("/prompt", json={"prompt": probe("ProbeValidateExits")})
        body = await response.json()
        assert response.status == 400 and "ended the validator (exit status 1)" in body["error"]["message"], body
        after = await post_prompt(client, hello(seed=105, prefix="after_validation"))
        assert (await finished(client, after["prompt_id"]))["status"]["status_str"] == "success"


@run_async
async def test_a_prompt_over_the_node_limit_is_refused_before_it_is_checked(make_app):
    app = make_app(max_prompt_nodes=50)
    async with serve(app) as client:
        nodes = {str(i): {"class": "PrimitiveInt", "inputs": {"value": i}} for i in range(51)}
        response = await client.post("/prompt", json={"prompt": workflow(nodes)})
        body = await response.json()
        assert response.status == 400
        assert body["error"]["message"] == "the prompt has 51 nodes; at most 50 are accepted"


def test_a_job_claimed_as_the_site_closes_goes_back_to_the_queue_uncounted(tmp_path, registry):
    store = JobStore(tmp_path / "jobs.sqlite3")
    site = ProcessSite(graph.Executor(registry, graph.ContentStore(graph.MemoryTier(1 << 20)),
                                      graph.Paths.under(tmp_path)))
    try:
        site.start()
        job = store.enqueue(hello()).id
        claimed = store.claim()
        assert claimed is not None and claimed.id == job
        site.close()  # the server stops between the claim and the run
        outcome = site.run(JobRequest(claimed.id, claimed.workflow), lambda event: None)
        assert outcome.ran is False
        store.release(job)
        again = store.get(job)
        assert again is not None and again.status == "pending" and again.attempts == 0
    finally:
        store.close()


def test_a_job_the_server_died_under_twice_fails_for_good_at_start_up(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    try:
        poison = store.enqueue(hello()).id
        after = store.enqueue(hello(seed=8)).id
        for attempt in range(1, MAX_ATTEMPTS + 1):
            claimed = store.claim()  # the server starts the job, then dies under it
            assert claimed is not None and claimed.id == poison and claimed.attempts == attempt
            assert store.recover() == (([poison], []) if attempt < MAX_ATTEMPTS else ([], [poison]))
        job = store.get(poison)
        assert job is not None and job.status == "error" and job.result is not None
        assert job.result["error"]["poison"] is True
        claimed = store.claim()
        assert claimed is not None and claimed.id == after
    finally:
        store.close()
