"""The app's lifecycle: the worker starts and stops with the app (cleanup_ctx), WebSockets close on shutdown."""

from __future__ import annotations

import asyncio
import time

from aiohttp import WSCloseCode, WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from serverkit import divide_by_zero, hello, messages_until, post_prompt, run_async, running, serve, slow

from graph.jobs import INTERRUPTED, JobStore
from webserver.keys import HUB, WORKER


@run_async
async def test_the_worker_runs_only_while_the_app_does(make_app, tmp_path):
    app = make_app()
    worker = app[WORKER]
    assert worker.threads == [], "the worker must not start before the app does"
    async with serve(app) as client:
        assert len(worker.threads) == 1 and worker.threads[0].is_alive()  # one lane, embedded
        ws = await client.ws_connect("/ws?clientId=lifecycle")
        job = await post_prompt(client, slow(), client_id="lifecycle")
        await running(client, job["prompt_id"])
        await messages_until(ws, lambda m: m["type"] == "progress")  # running inside its node, not just claimed
        await ws.close()
    assert not worker.threads[0].is_alive(), "the worker thread outlived the app"
    reopened = JobStore(tmp_path / "state" / "jobs.sqlite3")
    try:
        stored = reopened.get(job["prompt_id"])
        assert stored is not None and stored.status == INTERRUPTED  # stopped at a progress tick, not abandoned
    finally:
        reopened.close()


@run_async
async def test_open_websockets_are_closed_when_the_app_shuts_down(make_app):
    app = make_app()
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        sockets = [await client.ws_connect(f"/ws?clientId={name}") for name in ("a", "a", "b")]
        for ws in sockets:
            await ws.receive_json(timeout=5)
        started = time.monotonic()
        closing = asyncio.create_task(client.server.close())
        for ws in sockets:
            message = await ws.receive(timeout=5)
            assert message.type == WSMsgType.CLOSE, message
            assert ws.close_code == WSCloseCode.GOING_AWAY
        await closing
        assert time.monotonic() - started < 5, "shutdown waited for the WebSockets instead of closing them"
        assert not any(app[HUB].clients.values())
    finally:
        await client.close()


@run_async
async def test_a_jobs_end_is_announced_only_once_its_history_is_written(make_app):
    app = make_app()
    worker = app[WORKER]
    seen: list[tuple[str, str | None]] = []  # (message type, the job's stored status when it was published)
    publish = worker.publish

    def recording(message, client_id):
        prompt_id = message.get("data", {}).get("prompt_id")
        if prompt_id is not None and message["type"] != "status":
            stored = worker.jobs.get(prompt_id)
            seen.append((message["type"], stored.status if stored else None))
        publish(message, client_id)

    worker.publish = recording
    async with serve(app) as client:
        ws = await client.ws_connect("/ws?clientId=order")
        good = await post_prompt(client, hello(seed=201, prefix="order"), client_id="order")
        await messages_until(ws, lambda m: m["type"] == "execution_success")
        assert (await client.get(f"/history/{good['prompt_id']}")).status == 200  # at once, never a 404
        await post_prompt(client, divide_by_zero(), client_id="order")
        await messages_until(ws, lambda m: m["type"] == "execution_error")
    ends = [(kind, status) for kind, status in seen if kind in ("execution_success", "execution_error")
            or (kind == "executing" and status != "running")]
    assert ends == [("executing", "success"), ("execution_success", "success"), ("execution_error", "error")], seen
