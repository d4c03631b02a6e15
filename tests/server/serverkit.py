"""Helpers of the server tests: test nodes, workflows, clients and waiting.

Tests are plain functions; ``run_async`` runs an ``async def`` test in a fresh event loop (no pytest
plugin needed); ``serve`` serves an app as ``worldgraph serve`` does (behind the edge: timeouts, connection cap);
``LiveServer`` serves an app on a background loop for synchronous callers.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient, TestServer

import graph
from graph import Int, Node, NodeResult, NodeSchema, Output, String
from webserver.edge import EdgeRunner

ROOT = Path(__file__).resolve().parents[2]
HELLO: dict[str, Any] = json.loads((ROOT / "workflows" / "hello.json").read_text())
TIMEOUT = 30.0
PREFIXES = ("", "/api")


# ---- test nodes --------------------------------------------------------------------------------
class SlowNode(Node):
    """Loops ``steps`` times, sleeping a little and reporting progress (so it honours interrupts)."""

    schema = NodeSchema(name="TestSlow", inputs=(Int("steps", 100, min=1, max=1_000_000), String("label", "")),
                        output_node=True, cacheable=False, context=("progress",))

    def run(self, steps: int, label: str, progress: Any) -> NodeResult:
        for step in range(steps):
            time.sleep(0.01)
            progress(step + 1, steps)
        return NodeResult((), {"text": [f"slow {label}"]})


class BoomNode(Node):
    """Always fails."""

    schema = NodeSchema(name="TestBoom", inputs=(Int("value", 0),), outputs=(Output("value", graph.INT),))

    def run(self, value: int) -> tuple[int]:
        raise RuntimeError(f"boom {value}")


class OddUiNode(Node):
    """An output node whose UI payload is not JSON (a set): a node bug the server must survive."""

    schema = NodeSchema(name="TestOddUi", inputs=(Int("value", 0),), output_node=True, cacheable=False)

    def run(self, value: int) -> NodeResult:
        return NodeResult((), {"text": {value}})


class FloatUiNode(Node):
    """An output node showing ``float(text)``: ``"nan"`` or ``"inf"`` put values JSON has not in its UI payload."""

    schema = NodeSchema(name="TestFloatUi", inputs=(String("text", "nan"),), output_node=True, cacheable=False)

    def run(self, text: str) -> NodeResult:
        return NodeResult((), {"value": [float(text)], "nested": [{"x": float(text), "y": 1.5}]})


TEST_NODES = (SlowNode, BoomNode, OddUiNode, FloatUiNode)


# ---- workflows ---------------------------------------------------------------------------------
def hello(seed: int = 7, prefix: str = "hello") -> dict[str, Any]:
    """The fast hello workflow with its seed and SaveImage prefix changed (so runs are not cached)."""
    workflow = copy.deepcopy(HELLO)
    workflow["nodes"]["4"]["inputs"]["seed"] = seed
    workflow["nodes"]["7"]["inputs"]["filename_prefix"] = prefix
    return workflow


def workflow(nodes: dict[str, Any], links: Sequence[tuple[str, str, str, str]] = ()) -> dict[str, Any]:
    return {"format": "worldgraph/workflow", "version": 2, "nodes": nodes,
            "links": [{"from": [a, out], "to": [b, inp]} for a, out, b, inp in links]}


def slow(steps: int = 100_000, label: str = "") -> dict[str, Any]:
    """A job that runs until interrupted (``steps`` x 10 ms)."""
    return workflow({"1": {"class": "TestSlow", "inputs": {"steps": steps, "label": label}}})


def divide_by_zero() -> dict[str, Any]:
    return workflow({"1": {"class": "PrimitiveInt", "inputs": {"value": 5}},
                     "2": {"class": "MathInt", "inputs": {"b": 0, "op": "floor_divide"}},
                     "3": {"class": "PreviewValue", "inputs": {}}},
                    [("1", "value", "2", "a"), ("2", "result", "3", "value")])


# ---- apps and clients --------------------------------------------------------------------------
class EdgeTestServer(TestServer):
    """aiohttp's test server through ``EdgeRunner``, with handlers left running when a client leaves (as
    ``web.run_app`` does; the test server would cancel them)."""

    async def _make_runner(self, **kwargs: Any) -> EdgeRunner:
        return EdgeRunner(self.app, **{**kwargs, "handler_cancellation": False})


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[TestClient]:
    async with TestClient(EdgeTestServer(app)) as client:
        yield client


def run_async(function: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an ``async def`` test in a fresh event loop, with an overall timeout."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def main() -> None:
            await asyncio.wait_for(function(*args, **kwargs), TIMEOUT)

        asyncio.run(main())

    return wrapper


async def exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data`` byte for byte on a new connection and read until the server closes it (within
    ``timeout`` seconds)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


def status_line(answer: bytes) -> int:
    """The status of a raw HTTP answer (``b"HTTP/1.1 408 ..."`` -> 408)."""
    assert answer.startswith(b"HTTP/1."), answer[:200]
    return int(answer.split(b" ", 2)[1])


async def post_prompt(client: TestClient, prompt: Any, prefix: str = "", expect: int = 200, **extra: Any) -> Any:
    response = await client.post(f"{prefix}/prompt", json={"prompt": prompt, **extra})
    body = await response.json()
    assert response.status == expect, body
    return body


async def wait_until(predicate: Callable[[], Awaitable[Any]], timeout: float = 15.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.02)


async def finished(client: TestClient, prompt_id: str, prefix: str = "", timeout: float = 15.0) -> dict[str, Any]:
    """The history entry of ``prompt_id`` once it has finished."""

    async def entry() -> Any:
        response = await client.get(f"{prefix}/history/{prompt_id}")
        assert response.status == 200, await response.text()
        return (await response.json()).get(prompt_id)

    return await wait_until(entry, timeout, f"prompt {prompt_id} to finish")


async def running(client: TestClient, prompt_id: str) -> None:
    """Wait until ``prompt_id`` is the running job."""

    async def check() -> bool:
        queue = await (await client.get("/queue")).json()
        return any(item[1] == prompt_id for item in queue["queue_running"])

    await wait_until(check, what=f"prompt {prompt_id} to run")


def of(prompt_id: str, kind: str) -> Callable[[dict[str, Any]], bool]:
    """A ``messages_until`` stop: the message of type ``kind`` about ``prompt_id``."""
    return lambda message: message["type"] == kind and message["data"].get("prompt_id") == prompt_id


async def messages_until(ws: ClientWebSocketResponse, stop: Callable[[dict[str, Any]], bool],
                         timeout: float = 15.0) -> list[dict[str, Any]]:
    """WebSocket JSON messages up to and including the first one ``stop`` accepts."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        message = await ws.receive(timeout=max(0.01, deadline - time.monotonic()))
        assert message.type == WSMsgType.TEXT, message
        seen.append(json.loads(message.data))
        if stop(seen[-1]):
            return seen


async def drain(ws: ClientWebSocketResponse, quiet: float = 0.3) -> list[dict[str, Any]]:
    """Every message that arrives until none has for ``quiet`` seconds."""
    seen: list[dict[str, Any]] = []
    while True:
        try:
            message = await ws.receive(timeout=quiet)
        except TimeoutError:
            return seen
        if message.type != WSMsgType.TEXT:
            return seen
        seen.append(json.loads(message.data))


# ---- a server on a background loop, for synchronous callers (Hypothesis) -------------------------
class LiveServer:
    """An app served on its own event loop in a thread; ``request`` is synchronous."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-server", daemon=True)
        self.thread.start()
        self.client: TestClient = self.call(self._start(app))

    @staticmethod
    async def _start(app: Any) -> TestClient:
        client = TestClient(EdgeTestServer(app))
        await client.start_server()
        return client

    def call(self, coroutine: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(TIMEOUT)  # type: ignore[arg-type]

    def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, bytes]:
        async def go() -> tuple[int, bytes]:
            response = await self.client.request(method, path, **kwargs)
            return response.status, await response.read()

        return self.call(go())  # type: ignore[no-any-return]

    def close(self) -> None:
        self.call(self.client.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def probe(class_type: str, value: int = 0) -> dict[str, Any]:
    """Node 1, a probe of the faulty pack (``packs/faulty``) given ``value``, shown by node 2."""
    return workflow({"1": {"class": class_type, "inputs": {"value": value}},
                     "2": {"class": "PreviewValue", "inputs": {}}}, [("1", "INT", "2", "value")])
