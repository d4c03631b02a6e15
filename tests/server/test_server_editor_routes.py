"""Routes the editor needs besides ComfyUI's: importing workflows from files, templates, socket types."""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from serverkit import HELLO, PREFIXES, ROOT, run_async, serve

pytestmark = pytest.mark.parametrize("prefix", PREFIXES)


def png_with_workflow(text: str) -> bytes:
    info = PngInfo()
    info.add_itxt("workflow", text)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


async def import_file(client: Any, prefix: str, data: bytes, name: str) -> tuple[int, Any]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name)
    response = await client.post(f"{prefix}/workflow/import", data=form)
    return response.status, await response.json()


@run_async
async def test_import_takes_a_current_workflow_body_and_keeps_unknown_fields(make_app, prefix):
    document = {**HELLO, "custom": {"kept": True}}
    async with serve(make_app()) as client:
        response = await client.post(f"{prefix}/workflow/import", json=document)
        assert response.status == 200
        workflow = (await response.json())["workflow"]
        assert workflow["version"] == 2 and workflow["custom"] == {"kept": True}
        assert workflow["nodes"].keys() == HELLO["nodes"].keys()


@run_async
async def test_import_converts_comfyui_api_prompts(make_app, prefix):
    api = {"10": {"class_type": "PrimitiveInt", "inputs": {"value": 6}},
           "11": {"class_type": "PreviewValue", "inputs": {"value": ["10", 0]}}}
    async with serve(make_app()) as client:
        response = await client.post(f"{prefix}/workflow/import", json=api)
        workflow = (await response.json())["workflow"]
        assert workflow["links"] == [{"from": ["10", "value"], "to": ["11", "value"]}]


@run_async
async def test_import_reads_a_workflow_embedded_in_a_png(make_app, prefix):
    async with serve(make_app()) as client:
        status, body = await import_file(client, prefix, png_with_workflow(json.dumps(HELLO)), "frame_00001_.png")
        assert status == 200, body
        assert body["workflow"]["nodes"]["8"]["class"] == HELLO["nodes"]["8"]["class"]


@pytest.mark.parametrize(("data", "name", "expected"), [
    (b"\x89PNG\r\n\x1a\n" + b"garbage", "broken.png", "neither a workflow"),
    (b"{not json", "bad.json", "not valid JSON"),
    (b"plain text", "../../etc/passwd", "neither a workflow"),
    (json.dumps({"version": 99, "nodes": {}}).encode(), "future.json", "newer"),
])
@run_async
async def test_import_refuses_files_without_a_workflow(make_app, prefix, data, name, expected):
    async with serve(make_app()) as client:
        status, body = await import_file(client, prefix, data, name)
        assert status == 400
        assert expected in body["error"]["message"]


@run_async
async def test_templates_list_and_serve_the_shipped_workflows(make_app, prefix):
    async with serve(make_app()) as client:
        names = await (await client.get(f"{prefix}/templates")).json()
        assert "default.json" in names
        response = await client.get(f"{prefix}/templates/default.json")
        assert json.loads(await response.text()) == json.loads((ROOT / "workflows" / "default.json").read_text())
        assert (await client.get(f"{prefix}/templates/missing.json")).status == 404
        assert (await client.get(f"{prefix}/templates/..%2Fpyproject.toml")).status in (400, 404)


@run_async
async def test_socket_types_describe_colours_and_widgets(make_app, prefix):
    async with serve(make_app()) as client:
        types = await (await client.get(f"{prefix}/socket_types")).json()
        assert types["INT"]["widget"] is True and types["VIDEO"]["widget"] is False
        assert all(entry["color"].startswith("#") for entry in types.values())
