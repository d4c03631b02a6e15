"""Property tests: whatever JSON (or text) is posted, the JSON routes answer 200 or 4xx, never 500.

The worker is stubbed out here (``Worker.run`` returns at once) so that random valid workflows are
validated and queued but never run: what is under test is the request handling.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from serverkit import HELLO, LiveServer, run_async, serve

import graph
from graph.comfy.object_info import object_info
from webserver.worker import Worker

_DESCRIBED = object_info(graph.load_registry())
CLASSES = sorted(_DESCRIBED)
INPUTS = {name: [*info["input"]["required"], *info["input"].get("optional", {})] for name, info in _DESCRIBED.items()}
OUTPUT_NAMES = sorted({o for info in _DESCRIBED.values() for o in info["output_name"]})
INPUT_NAMES = sorted({i for names in INPUTS.values() for i in names})
NODE_IDS = ["1", "2", "3", "4", "5", "a", ""]

# finite floats: a body with NaN or Infinity is not JSON, and is refused before any route reads it
# (test_server_json.py)
scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=12)
           | st.sampled_from(["add", "floor_divide", "480p", "preset", "output", "../x", "", "\x00"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                                          inner, max_size=4),
                      max_leaves=12)


@st.composite
def native_workflows(draw: Any) -> dict[str, Any]:
    ids = draw(st.lists(st.sampled_from(NODE_IDS), max_size=5, unique=True))
    nodes: dict[str, Any] = {}
    for node_id in ids:
        class_type = draw(st.sampled_from([*CLASSES, "Nope", ""]))
        names = [*INPUTS.get(class_type, []), "zzz"]
        node: dict[str, Any] = {"class": class_type, "inputs": draw(st.dictionaries(st.sampled_from(names), scalars,
                                                                                    max_size=4))}
        if draw(st.booleans()):
            node["title"] = draw(st.text(max_size=6) | st.integers())
        nodes[node_id] = node
    endpoints = st.sampled_from(ids or ["1"])
    link = st.builds(lambda a, out, b, inp: {"from": [a, out], "to": [b, inp]}, endpoints,
                     st.sampled_from([*OUTPUT_NAMES, "x"]), endpoints, st.sampled_from([*INPUT_NAMES, "x"]))
    result: dict[str, Any] = {"format": draw(st.sampled_from(["worldgraph/workflow", "other"])),
                              "version": draw(st.sampled_from([1, 2, 2, 2, 3, "2", None, 2.5])),
                              "nodes": nodes, "links": draw(st.lists(link, max_size=5))}
    for key in draw(st.lists(st.sampled_from(["format", "version", "nodes", "links"]), max_size=1)):
        result[key] = draw(values)
    return result


@st.composite
def api_prompts(draw: Any) -> dict[str, Any]:
    ids = draw(st.lists(st.sampled_from(NODE_IDS[:5]), min_size=1, max_size=4, unique=True))
    prompt: dict[str, Any] = {}
    for node_id in ids:
        class_type = draw(st.sampled_from([*CLASSES, "Nope"]))
        names = [*INPUTS.get(class_type, []), "zzz"]
        link = st.tuples(st.sampled_from([*ids, "9"]), st.integers(-1, 3)).map(list)
        prompt[node_id] = {"class_type": class_type,
                           "inputs": draw(st.dictionaries(st.sampled_from(names), scalars | link, max_size=4))}
    return prompt


@st.composite
def mutated_hello(draw: Any) -> dict[str, Any]:
    """The hello workflow with one input, node field or link end replaced by something random."""
    workflow = copy.deepcopy(HELLO)
    node_id = draw(st.sampled_from(sorted(workflow["nodes"])))
    where = draw(st.sampled_from(["seed", "input", "new-input", "class", "link", "drop-node", "drop-links"]))
    if where == "seed":
        workflow["nodes"]["4"]["inputs"]["seed"] = draw(st.integers() | scalars)
    elif where == "input" and workflow["nodes"][node_id]["inputs"]:
        name = draw(st.sampled_from(sorted(workflow["nodes"][node_id]["inputs"])))
        workflow["nodes"][node_id]["inputs"][name] = draw(values)
    elif where == "new-input":
        workflow["nodes"][node_id]["inputs"][draw(st.sampled_from([*INPUT_NAMES, "zzz"]))] = draw(scalars)
    elif where == "class":
        workflow["nodes"][node_id]["class"] = draw(st.sampled_from([*CLASSES, "Nope"]) | values)
    elif where == "link":
        link = draw(st.sampled_from(workflow["links"]))
        link[draw(st.sampled_from(["from", "to"]))][draw(st.integers(0, 1))] = draw(scalars)
    elif where == "drop-node":
        del workflow["nodes"][node_id]
    else:
        workflow["links"] = draw(st.lists(st.sampled_from(workflow["links"]), max_size=3))
    return workflow


@st.composite
def arithmetic_prompts(draw: Any) -> dict[str, Any]:
    """Mostly valid API prompts: PrimitiveInt -> MathInt -> PreviewValue with random numbers."""
    number = st.integers(-(2**40), 2**40) | st.integers() | st.floats(allow_nan=False) | st.booleans()
    ops = st.sampled_from(["add", "subtract", "multiply", "min", "max", "power", "floor_divide", "modulo", "nope"])
    return {"1": {"class_type": "PrimitiveInt", "inputs": {"value": draw(number)}},
            "2": {"class_type": "MathInt", "inputs": {"a": ["1", 0], "b": draw(number), "op": draw(ops)}},
            "3": {"class_type": "PreviewValue", "inputs": {"value": [draw(st.sampled_from(["2", "1", "3", "9"])),
                                                                     draw(st.integers(-1, 1))]}}}


extras = st.fixed_dictionaries({}, optional={
    "client_id": st.text(max_size=8) | st.integers(), "front": values,
    "outputs": st.lists(st.sampled_from(NODE_IDS), max_size=3) | values})


@pytest.fixture
def live(make_app, monkeypatch):
    monkeypatch.setattr(Worker, "run", lambda self, site: None)  # validate and queue, never run
    live = LiveServer(make_app(max_pending=1_000_000))
    yield live
    live.close()


def check_prompt_answer(status: int, body: bytes, prompt: Any) -> None:
    assert status in (200, 400), (status, body[:500])
    event(f"status {status}")
    answer = json.loads(body)
    if status == 200:  # node_errors: the outputs left out because they cannot run (the others run)
        assert set(answer) == {"prompt_id", "number", "node_errors"}
    else:
        assert isinstance(answer["error"]["message"], str)
    assert isinstance(answer.get("node_errors", {}), dict)
    if isinstance(prompt, dict):
        nodes = prompt.get("nodes", prompt) if isinstance(prompt.get("nodes", prompt), dict) else {}
        assert set(answer.get("node_errors", {})) <= {str(k) for k in nodes}


@settings(max_examples=150)
@given(prompt=native_workflows() | api_prompts() | mutated_hello() | arithmetic_prompts(), more=extras)
def test_random_workflows_get_200_or_400(live, prompt, more):
    status, body = live.request("POST", "/prompt", json={"prompt": prompt, **more})
    check_prompt_answer(status, body, prompt)


@settings(max_examples=100)
@given(body=values | st.fixed_dictionaries({"prompt": values}))
def test_random_json_bodies_never_crash_prompt(live, body):
    status, answer = live.request("POST", "/prompt", data=json.dumps(body),
                                  headers={"Content-Type": "application/json"})
    check_prompt_answer(status, answer, body.get("prompt") if isinstance(body, dict) else None)


@settings(max_examples=100)
@given(text=st.text(max_size=200) | st.sampled_from(["NaN", "[NaN]", '{"prompt": Infinity}', "1e999", "-0",
                                                     '{"prompt": {"1": {"class_type": "MathInt"}}}']))
def test_random_text_bodies_never_crash_prompt(live, text):
    status, answer = live.request("POST", "/prompt", data=text.encode("utf-8"),
                                  headers={"Content-Type": "application/json"})
    assert status in (200, 400), (status, answer[:300])


@settings(max_examples=100)
@given(path=st.sampled_from(["/queue", "/history", "/interrupt", "/api/queue", "/api/history", "/api/interrupt"]),
       body=values | st.fixed_dictionaries({}, optional={"delete": values, "clear": values, "prompt_id": values}))
def test_random_json_bodies_never_crash_the_other_json_routes(live, path, body):
    status, answer = live.request("POST", path, json=body)
    assert status == 200, (path, body, answer[:300])


@pytest.mark.parametrize(("data", "content_type"), [(b"\xff\xfe{}", "application/json"),
                                                    (b'{"prompt": "\xe9"}', "application/json"),
                                                    (b"{}", "application/json; charset=no-such-charset")])
@run_async
async def test_undecodable_bodies_get_400(make_app, data, content_type):
    async with serve(make_app()) as client:
        for path in ("/prompt", "/queue", "/history", "/interrupt"):
            response = await client.post(path, data=data, headers={"Content-Type": content_type})
            assert response.status == 400, (path, response.status)
