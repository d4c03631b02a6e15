"""The WebSocket: ComfyUI-shaped execution events, routed to the client that queued the prompt."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from serverkit import (of, PREFIXES, divide_by_zero, drain, finished, hello, messages_until, post_prompt, run_async,
                       running, serve, slow, workflow)


def execution(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] != "status"]


@pytest.mark.parametrize("prefix", PREFIXES)
@run_async
async def test_events_go_to_the_client_that_queued(make_app, prefix):
    async with serve(make_app()) as client:
        mine = await client.ws_connect(f"{prefix}/ws?clientId=me")
        theirs = await client.ws_connect(f"{prefix}/ws?clientId=them")
        for ws, sid in ((mine, "me"), (theirs, "them")):
            first = await ws.receive_json(timeout=5)
            assert first == {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}},
                                                        "sid": sid}}

        body = await post_prompt(client, hello(prefix="ws"), prefix, client_id="me")
        prompt_id = body["prompt_id"]
        seen = await messages_until(mine, of(prompt_id, "execution_success"))
        events = execution(seen)
        assert all(m["data"]["prompt_id"] == prompt_id for m in events)
        kinds = [m["type"] for m in events]
        assert kinds[0] == "execution_start"
        assert kinds[-2:] == ["executing", "execution_success"]
        assert events[-2]["data"]["node"] is None
        started = [m["data"]["node"] for m in events if m["type"] == "executing"][:-1]
        assert sorted(started) == [str(n) for n in range(1, 9)]
        assert all(m["data"]["display_node"] == m["data"]["node"] for m in events if m["type"] == "executing"
                   and m["data"]["node"])
        executed = {m["data"]["node"]: m["data"]["output"] for m in events if m["type"] == "executed"}
        assert set(executed) == {"7", "8"}
        assert executed["8"] == {"text": ["360"]}
        [image] = executed["7"]["images"]
        assert image["filename"].startswith("ws_") and image["type"] == "output"
        for node in ("7", "8"):  # each node's output comes after it started
            position = next(i for i, m in enumerate(events) if m["type"] == "executing" and m["data"]["node"] == node)
            done = next(i for i, m in enumerate(events) if m["type"] == "executed" and m["data"]["node"] == node)
            assert position < done
        statuses = [m for m in seen if m["type"] == "status"]
        assert statuses and statuses[0]["data"]["status"]["exec_info"]["queue_remaining"] >= 1

        others = [await theirs.receive_json(timeout=5)] + await drain(theirs)
        assert others and all(m["type"] == "status" for m in others), others
        assert not any("prompt_id" in m["data"] for m in others)
        await drain(mine)
        assert (await client.get(f"{prefix}/prompt")).status == 200
        final = await drain(mine, 0.1) + await drain(theirs, 0.1)
        assert all(m["type"] == "status" for m in final)
        await mine.close()
        await theirs.close()


@run_async
async def test_status_reaches_every_client_and_queue_counts(make_app):
    async with serve(make_app()) as client:
        watcher = await client.ws_connect("/ws?clientId=watcher")
        await watcher.receive_json(timeout=5)
        job = await post_prompt(client, slow(), client_id="worker")
        await running(client, job["prompt_id"])
        await post_prompt(client, hello(), client_id="worker")
        seen = await drain(watcher)
        counts = [m["data"]["status"]["exec_info"]["queue_remaining"] for m in seen if m["type"] == "status"]
        assert counts and counts[0] >= 1
        assert not any(m["type"] != "status" for m in seen), "another client's events leaked"
        await client.post("/queue", json={"clear": True})
        await client.post("/interrupt")
        await finished(client, job["prompt_id"])
        later = await drain(watcher)
        assert [m["data"]["status"]["exec_info"]["queue_remaining"] for m in later][-1:] == [0]


@run_async
async def test_a_prompt_without_client_goes_to_everyone(make_app):
    async with serve(make_app()) as client:
        ws = await client.ws_connect("/ws")
        hello_message = await ws.receive_json(timeout=5)
        assert len(hello_message["data"]["sid"]) == 16  # a generated client id
        body = await post_prompt(client, hello(seed=3))
        seen = await messages_until(ws, of(body["prompt_id"], "execution_success"))
        assert any(m["type"] == "executed" for m in seen)


@pytest.mark.parametrize("prefix", PREFIXES)
@run_async
async def test_execution_error_names_the_node(make_app, prefix):
    async with serve(make_app()) as client:
        ws = await client.ws_connect(f"{prefix}/ws?clientId=err")
        await ws.receive_json(timeout=5)
        body = await post_prompt(client, divide_by_zero(), prefix, client_id="err")
        seen = await messages_until(ws, of(body["prompt_id"], "execution_error"))
        error = seen[-1]["data"]
        assert error["node_id"] == "2"
        assert error["node_type"] == "MathInt"
        assert "zero" in error["exception_message"]
        assert error["exception_type"] == "ZeroDivisionError"
        assert isinstance(error["traceback"], list) and "ZeroDivisionError" in "".join(error["traceback"])
        assert error["executed"] == ["1"]
        assert not any(m["type"] == "execution_success" for m in seen)
        assert not any(m["type"] == "executed" for m in seen)
        entry = await finished(client, body["prompt_id"], prefix)
        assert entry["status"]["status_str"] == "error" and entry["status"]["completed"] is False
        [[kind, detail]] = entry["status"]["messages"]
        assert kind == "error" and detail["node_id"] == "2" and detail["class_type"] == "MathInt"

        # the worker carries on after a failure
        boom = workflow({"1": {"class": "TestBoom", "inputs": {"value": 3}}, "2": {"class": "PreviewValue"}},
                        [("1", "value", "2", "value")])
        body = await post_prompt(client, boom, prefix, client_id="err")
        seen = await messages_until(ws, of(body["prompt_id"], "execution_error"))
        assert seen[-1]["data"]["node_type"] == "TestBoom"
        assert seen[-1]["data"]["exception_message"] == "boom 3"
        body = await post_prompt(client, hello(seed=11), prefix, client_id="err")
        await messages_until(ws, of(body["prompt_id"], "execution_success"))


@pytest.mark.parametrize("prefix", PREFIXES)
@run_async
async def test_interrupt_sends_execution_interrupted(make_app, prefix):
    async with serve(make_app()) as client:
        ws = await client.ws_connect(f"{prefix}/ws?clientId=int")
        await ws.receive_json(timeout=5)
        body = await post_prompt(client, slow(label="long"), prefix, client_id="int")
        prompt_id = body["prompt_id"]
        seen = await messages_until(ws, of(prompt_id, "progress"))
        progress = seen[-1]["data"]
        assert progress["node"] == "1" and progress["max"] == 100_000 and 1 <= progress["value"] <= 100_000
        answer = await client.post(f"{prefix}/interrupt")
        assert await answer.json() == {"interrupted": prompt_id, "stopped": "cooperative"}
        seen = await messages_until(ws, of(prompt_id, "execution_interrupted"))
        interrupted = seen[-1]["data"]
        assert interrupted["node_id"] == "1"
        assert interrupted["executed"] == []
        assert not any(m["type"] in ("execution_success", "execution_error") for m in seen)
        entry = await finished(client, prompt_id, prefix)
        assert entry["status"]["status_str"] == "interrupted"

        # the next job runs normally (the interrupt flag does not stick)
        body = await post_prompt(client, slow(steps=3, label="short"), prefix, client_id="int")
        seen = await messages_until(ws, of(body["prompt_id"], "execution_success"))
        assert {"node": "1", "display_node": "1", "output": {"text": ["slow short"]},
                "prompt_id": body["prompt_id"]} in [m["data"] for m in seen if m["type"] == "executed"]


@run_async
async def test_cached_nodes_are_reported(make_app):
    async with serve(make_app()) as client:
        ws = await client.ws_connect("/ws?clientId=c")
        await ws.receive_json(timeout=5)
        first = await post_prompt(client, hello(seed=5, prefix="c"), client_id="c")
        await messages_until(ws, of(first["prompt_id"], "execution_success"))
        again = await post_prompt(client, hello(seed=5, prefix="c"), client_id="c")
        seen = await messages_until(ws, of(again["prompt_id"], "execution_success"))
        cached = {node for m in seen if m["type"] == "execution_cached" for node in m["data"]["nodes"]}
        assert cached, "a second identical run should come from the cache"
        kinds = [m["type"] for m in seen]
        assert kinds.index("execution_cached") == kinds.index("execution_start") + 1  # all of them, up front
        entry = await finished(client, again["prompt_id"])
        assert set(entry["meta"]["cached"]) <= cached  # those it read (the outputs' inputs are never needed)
        shown = [m["data"]["node"] for m in seen if m["type"] == "executed"]
        assert shown and set(shown) <= cached  # cached output nodes show their outputs again, as in ComfyUI


@run_async
async def test_closed_clients_do_not_break_others(make_app):
    async with serve(make_app()) as client:
        gone = await client.ws_connect("/ws?clientId=shared")
        stays = await client.ws_connect("/ws?clientId=shared")
        await gone.receive_json(timeout=5)
        await stays.receive_json(timeout=5)
        await gone.close()
        await asyncio.sleep(0.05)
        body = await post_prompt(client, hello(seed=9), client_id="shared")
        await messages_until(stays, of(body["prompt_id"], "execution_success"))


@run_async
async def test_greeting_counts_the_running_job(make_app):
    async with serve(make_app()) as client:
        job = await post_prompt(client, slow())
        await running(client, job["prompt_id"])
        over_http = (await (await client.get("/prompt")).json())["exec_info"]["queue_remaining"]
        ws = await client.ws_connect("/ws?clientId=late")
        greeting = await ws.receive_json(timeout=5)
        await client.post("/interrupt")
        assert greeting["data"]["status"]["exec_info"]["queue_remaining"] == over_http == 1
