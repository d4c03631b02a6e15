"""A pack written for ComfyUI talking to the server as it would to ComfyUI's: routes added through
``PromptServer.instance.routes`` (behind the same token check as every route) and ``send_sync`` messages reaching
the client whose job sent them."""

from __future__ import annotations

from pathlib import Path

import pytest

from serverkit import messages_until, of, post_prompt, run_async, serve

import graph
from graph.packs import LOADED, PackOptions, load_packs

PACKS = Path(__file__).resolve().parents[1] / "custom_nodes" / "semantics_packs"


@pytest.fixture(scope="module")
def loaded() -> tuple[graph.NodeRegistry, graph.PackReports]:
    """The pack, imported once (as a server imports its packs: its routes go to the one PromptServer)."""
    registry = graph.load_registry()
    reports = load_packs(registry, PackOptions((PACKS,), allow=frozenset({"comfy_server_pack"})))
    assert [r.status for r in reports if r.name == "comfy_server_pack"] == [LOADED]
    return registry, reports


@run_async
async def test_pack_routes_answer_behind_the_token_check(make_app, loaded):
    registry, reports = loaded
    async with serve(make_app(registry_=registry, reports=reports, token="s3cret")) as client:
        for path in ("/comfy_server_pack/hello", "/api/comfy_server_pack/hello"):
            assert (await client.get(path)).status == 401
            answer = await client.get(path, params={"name": "pack"}, headers={"Authorization": "Bearer s3cret"})
            assert answer.status == 200 and await answer.json() == {"hello": "pack", "preview_event": 1}
        assert (await client.get("/comfy_server_pack/direct")).status == 401
        direct = await client.get("/api/comfy_server_pack/direct", headers={"Authorization": "Bearer s3cret"})
        assert await direct.json() == {"direct": True}


@run_async
async def test_send_sync_from_a_node_reaches_the_client_of_its_job(make_app, loaded):
    registry, reports = loaded
    async with serve(make_app(registry_=registry, reports=reports)) as client:
        ws = await client.ws_connect("/ws?clientId=listener")
        await ws.receive_json(timeout=5)
        job = await post_prompt(client, {"1": {"class_type": "Announce", "inputs": {"text": "hello"}}},
                                client_id="listener")
        seen = await messages_until(ws, of(job["prompt_id"], "execution_success"))
        [announced] = [m for m in seen if m["type"] == "comfy_server_pack.announce"]
        assert announced["data"] == {"node": "1", "text": "hello"}
