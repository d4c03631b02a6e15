"""The WebSocket message schema: the committed file is generated from the builders, and every message a real
server sends (a success, a cached run, an execution error, an interrupt) validates against it."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from serverkit import of, divide_by_zero, hello, messages_until, post_prompt, run_async, serve, slow

from webserver import protocol

ALLOWED_KEYWORDS = {"type", "properties", "required", "additionalProperties", "items", "const", "enum", "oneOf",
                    "description"}
VALIDATOR = jsonschema.Draft202012Validator(protocol.message_schema())


def keywords(schema: dict[str, Any]) -> set[str]:
    """Every keyword used in ``schema`` (property names under ``properties`` are not keywords)."""
    found, stack = set(), [schema]
    while stack:
        node = stack.pop()
        found |= set(node)
        stack.extend(node.get("properties", {}).values())
        stack.extend(node.get("oneOf", []))
        if isinstance(node.get("items"), dict):
            stack.append(node["items"])
    return found


def test_the_committed_schema_is_generated_from_the_builders():
    assert protocol.SCHEMA_FILE.read_text() == protocol.schema_text(), "run: python -m webserver.protocol"
    assert json.loads(protocol.SCHEMA_FILE.read_text()) == protocol.message_schema()


def test_the_schema_uses_only_the_agreed_keywords():
    schema = protocol.message_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    body = {key: value for key, value in schema.items() if key not in ("$schema", "title")}
    assert keywords(body) <= ALLOWED_KEYWORDS, keywords(body) - ALLOWED_KEYWORDS
    assert "$ref" not in json.dumps(schema)
    kinds = [entry["properties"]["type"]["const"] for entry in schema["oneOf"]]
    assert kinds == ["status", "execution_start", "execution_cached", "executing", "progress", "progress_state",
                     "executed", "execution_success", "execution_error", "execution_interrupted"]
    assert all(entry["required"] == ["type", "data"] for entry in schema["oneOf"])


@pytest.mark.parametrize("message", [
    {"type": "status", "data": {"status": {"exec_info": {}}}},
    {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": "1"}}}},
    {"type": "executing", "data": {"node": "1"}},
    {"type": "executed", "data": {"node": "1", "display_node": "1", "prompt_id": "p"}},
    {"type": "execution_error", "data": {"prompt_id": "p", "node_id": "1"}},
    {"type": "no_such_message", "data": {}},
    {"type": "execution_success", "data": {"prompt_id": "p", "timestamp": 1}, "extra": 1},
])
def test_the_schema_refuses_malformed_messages(message):
    assert not VALIDATOR.is_valid(message)


@run_async
async def test_every_message_a_real_server_sends_validates(make_app):
    async with serve(make_app()) as client:
        ws = await client.ws_connect("/ws?clientId=schema")
        seen = [await ws.receive_json(timeout=5)]
        for _ in range(2):  # the second run of the same workflow comes from the cache
            body = await post_prompt(client, hello(seed=21, prefix="schema"), client_id="schema")
            seen += await messages_until(ws, of(body["prompt_id"], "execution_success"))
        body = await post_prompt(client, divide_by_zero(), client_id="schema")
        seen += await messages_until(ws, of(body["prompt_id"], "execution_error"))
        body = await post_prompt(client, slow(), client_id="schema")
        seen += await messages_until(ws, of(body["prompt_id"], "progress"))
        await client.post("/interrupt")
        seen += await messages_until(ws, of(body["prompt_id"], "execution_interrupted"))
        await ws.close()
    for message in seen:
        errors = [error.message for error in VALIDATOR.iter_errors(message)]
        assert not errors, (message, errors)
    declared = [entry["properties"]["type"]["const"] for entry in protocol.message_schema()["oneOf"]]
    assert {message["type"] for message in seen} == set(declared)
    assert any(m["type"] == "executing" and m["data"]["node"] is None for m in seen)
    assert any(m["type"] == "status" and "sid" in m["data"] for m in seen)
