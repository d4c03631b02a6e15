"""Helpers of the live-session tests: a start message for the wander workflow, and reading what a session sends."""

from __future__ import annotations

import copy
import json
from typing import Any

from aiohttp import WSMsgType
from live import unpack
from serverkit import ROOT

WANDER = json.loads((ROOT / "workflows" / "wander.json").read_text())


def start_message(size: tuple[int, int] = (160, 90)) -> dict[str, Any]:
    workflow = copy.deepcopy(WANDER)
    workflow["nodes"]["2"]["inputs"].update(duration=4.0, fps=10)
    return {"type": "start", "prompt": workflow, "node": "2", "size": list(size)}


async def crash_after_input(ws: Any, crash_at: int = 3) -> dict[str, Any]:
    """Play the wander walk through the faulty pack's ProbeLiveSegv (which segfaults at frame ``crash_at``), walk,
    and return the first note after the ready one."""
    start = start_message()
    start["prompt"]["nodes"]["9"] = {"class": "ProbeLiveSegv", "inputs": {"crash_at": crash_at}}
    start["prompt"]["links"].append({"from": ["2", "latent"], "to": ["9", "latent"]})
    await ws.send_json({**start, "node": "9"})
    assert (await next_json(ws))["type"] == "ready"
    await ws.send_json({"type": "input", "seq": 1, "move": [1, 0, 0]})
    return await next_json(ws)  # the frames before the crash come first


async def next_json(ws: Any) -> dict[str, Any]:
    while True:
        message = await ws.receive(timeout=30)
        if message.type == WSMsgType.TEXT:
            return json.loads(message.data)  # type: ignore[no-any-return]
        assert message.type == WSMsgType.BINARY, message


async def next_frame(ws: Any) -> dict[str, Any]:
    while True:
        message = await ws.receive(timeout=30)
        assert message.type in (WSMsgType.BINARY, WSMsgType.TEXT), message
        if message.type == WSMsgType.BINARY:
            header, jpeg = unpack(message.data)
            if header.get("type") == "audio":
                continue
            assert jpeg[:2] == b"\xff\xd8"
            return header
