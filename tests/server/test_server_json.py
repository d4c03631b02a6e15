"""JSON in and out: a body must be standard JSON (``NaN`` and ``Infinity`` are not; nor are numbers no float or
integer can hold), and everything the server writes is standard JSON, which JavaScript's ``JSON.parse`` reads.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from serverkit import LiveServer, finished, messages_until, post_prompt, run_async, serve, workflow

from webserver.worker import Worker

JSON_ROUTES = ("/prompt", "/queue", "/history", "/interrupt", "/workflow/import")
CONSTANTS = ("NaN", "Infinity", "-Infinity")


def strict(text: str | bytes) -> Any:
    """``text`` read as ``JSON.parse`` reads it: a bare NaN or Infinity is an error."""
    def refuse(name: str) -> Any:
        raise AssertionError(f"the server wrote {name}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("constant", CONSTANTS)
@run_async
async def test_non_standard_constants_are_refused(make_app, constant):
    prompt = '{"prompt": {"1": {"class_type": "PrimitiveFloat", "inputs": {"value": CONSTANT}}}}'.replace(
        "CONSTANT", constant)
    async with serve(make_app()) as client:
        for path in JSON_ROUTES:
            response = await client.post(path, data=prompt, headers={"Content-Type": "application/json"})
            answer = strict(await response.read())
            assert response.status == 400, (path, answer)
            assert f"{constant} is not JSON" in answer["error"]["message"], answer
        queue = strict(await (await client.get("/queue")).read())
        assert queue == {"queue_running": [], "queue_pending": []}


# ---- any JSON text: read, or refused with a 400 that names the problem --------------------------------
def _first(problems: Any) -> str | None:
    return next((problem for problem in problems if problem), None)


def _number(text: str) -> tuple[str, str | None]:
    """A number literal, and what is wrong with it: a float literal past a float's range is."""
    beyond = any(c in text for c in ".eE") and math.isinf(float(text))
    return text, "beyond the range" if beyond else None


#: (JSON text, the problem its 400 must name, or None when it is standard JSON a server can hold)
leaves = (st.sampled_from(CONSTANTS).map(lambda name: (name, f"{name} is not JSON"))
          | st.integers(4301, 5000).map(lambda digits: ("-" * (digits % 2) + "9" * digits, "digits"))
          | st.from_regex(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?", fullmatch=True).map(_number)
          | st.floats(allow_nan=False, allow_infinity=False).map(lambda number: (json.dumps(number), None))
          | st.integers().map(lambda number: (str(number), None))
          | st.sampled_from(["null", "true", "false", '""', '"NaN"']).map(lambda text: (text, None))
          | st.text(max_size=8).map(lambda text: (json.dumps(text), None)))
json_texts = st.recursive(leaves, lambda inner: (
    st.lists(inner, max_size=4).map(lambda items: ("[" + ", ".join(t for t, _ in items) + "]",
                                                   _first(p for _, p in items)))
    | st.lists(st.tuples(st.sampled_from(["delete", "clear", "prompt_id", "x", ""]), inner), max_size=4).map(
        lambda pairs: ("{" + ", ".join(f"{json.dumps(key)}: {t}" for key, (t, _) in pairs) + "}",
                       _first(p for _, (_, p) in pairs)))), max_leaves=10)


@pytest.fixture
def live(make_app, monkeypatch):
    monkeypatch.setattr(Worker, "run", lambda self, site: None)  # queue, never run
    live = LiveServer(make_app())
    yield live
    live.close()


@settings(max_examples=200, deadline=None)
@given(body=json_texts, path=st.sampled_from(["/queue", "/history", "/api/queue"]))
def test_any_json_body_is_read_or_refused_by_name(live, body, path):
    text, problem = body
    status, answer = live.request("POST", path, data=text.encode(), headers={"Content-Type": "application/json"})
    assert status == (400 if problem else 200), (text[:300], status, answer[:300])
    read = strict(answer)
    if problem:
        assert problem in read["error"]["message"], (text[:300], read)


# ---- what the server writes ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["nan", "inf", "-inf"])
@run_async
async def test_values_json_has_not_are_written_as_null(make_app, text):
    """A node's UI payload may hold NaN or infinities; the history and the WebSocket write them as null."""
    async with serve(make_app()) as client:
        ws = await client.ws_connect("/ws?clientId=floats")
        await ws.receive_json(timeout=5)
        prompt_id = (await post_prompt(client, workflow({"1": {"class": "TestFloatUi", "inputs": {"text": text}}}),
                                       client_id="floats"))["prompt_id"]
        seen = await messages_until(ws, lambda m: m["type"] == "executed")
        await ws.close()
        await finished(client, prompt_id)
        executed = seen[-1]["data"]["output"]
        assert executed == {"value": [None], "nested": [{"x": None, "y": 1.5}]}
        for path in (f"/history/{prompt_id}", "/history", "/api/history"):
            history = strict(await (await client.get(path)).read())
            assert history[prompt_id]["outputs"]["1"] == executed, path
