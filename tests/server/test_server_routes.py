"""Every HTTP route, at ``/`` and at ``/api/``, in the shapes ComfyUI clients expect."""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from serverkit import (PREFIXES, divide_by_zero, finished, hello, post_prompt, run_async, running, serve, slow,
                       wait_until, workflow)

import server
from webserver.config import VERSION
from webserver.security import MAX_BODY

pytestmark = pytest.mark.parametrize("prefix", PREFIXES)


# ---- helpers -----------------------------------------------------------------------------------
def png_bytes(size: tuple[int, int] = (4, 3), color: tuple[int, int, int] = (10, 20, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int, idat: bool = False) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` (valid CRCs), with a tiny IDAT if asked."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + (chunk(b"IDAT", zlib.compress(b"\x00" * 64)) if idat else b"")
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def multipart(field: str, data: bytes, filename: str, **fields: str) -> tuple[bytes, str]:
    """A multipart/form-data body with the file name sent raw, as browsers do (aiohttp's FormData
    would percent-encode it)."""
    boundary = "----worldgraph-test-boundary"
    body = b""
    for name, value in fields.items():
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


async def upload(client: Any, prefix: str, data: bytes, filename: str, field: str = "image",
                 expect: int | None = 200, **fields: str) -> tuple[int, Any]:
    route = "image" if field == "image" else "file"
    body, content_type = multipart(field, data, filename, **fields)
    response = await client.post(f"{prefix}/upload/{route}", data=body, headers={"Content-Type": content_type})
    answer = await response.json()
    if expect is not None:
        assert response.status == expect, answer
    return response.status, answer


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


# ---- /prompt -------------------------------------------------------------------------------------
@run_async
async def test_post_prompt_queues_and_runs_the_workflow(make_app, tmp_path, prefix):
    async with serve(make_app()) as client:
        first = await post_prompt(client, hello(prefix="one"), prefix)
        assert set(first) == {"prompt_id", "number", "node_errors"}
        assert re.fullmatch(r"[0-9a-f]{32}", first["prompt_id"])
        assert isinstance(first["number"], int)
        assert first["node_errors"] == {}
        second = await post_prompt(client, hello(seed=8, prefix="two"), prefix)
        assert second["number"] > first["number"]
        assert second["prompt_id"] != first["prompt_id"]

        entry = await finished(client, first["prompt_id"], prefix)
        assert entry["status"] == {"status_str": "success", "completed": True, "messages": [["success", {}]]}
        assert entry["outputs"]["8"] == {"text": ["360"]}
        [image] = entry["outputs"]["7"]["images"]
        assert image["type"] == "output" and image["filename"].startswith("one_")
        assert (tmp_path / "output" / image["subfolder"] / image["filename"]).is_file()
        assert entry["prompt"][1] == first["prompt_id"]
        assert set(entry["meta"]["executed"]) == {str(n) for n in range(1, 9)}
        assert (await finished(client, second["prompt_id"], prefix))["status"]["status_str"] == "success"


@run_async
async def test_post_prompt_accepts_comfyui_api_prompts(make_app, prefix):
    api = {"10": {"class_type": "PrimitiveInt", "inputs": {"value": 6}},
           "11": {"class_type": "MathInt", "inputs": {"a": ["10", 0], "b": 7, "op": "multiply"}},
           "12": {"class_type": "PreviewValue", "inputs": {"value": ["11", 0]}}}
    async with serve(make_app()) as client:
        body = await post_prompt(client, api, prefix, client_id="someone")
        entry = await finished(client, body["prompt_id"], prefix)
        assert entry["status"]["status_str"] == "success"
        assert entry["outputs"] == {"12": {"text": ["42"]}}
        assert entry["prompt"][3] == {"client_id": "someone"}


@run_async
async def test_post_prompt_runs_only_the_requested_outputs(make_app, tmp_path, prefix):
    async with serve(make_app()) as client:
        body = await post_prompt(client, hello(), prefix, outputs=["8"])
        entry = await finished(client, body["prompt_id"], prefix)
        assert entry["outputs"] == {"8": {"text": ["360"]}}
        assert files_under(tmp_path / "output") == []
        await post_prompt(client, hello(), prefix, expect=400, outputs="8")
        await post_prompt(client, hello(), prefix, expect=400, outputs=["99"])


@run_async
async def test_invalid_workflow_gets_comfyui_node_errors(make_app, prefix):
    bad = workflow({"1": {"class": "MathInt", "inputs": {"a": "not a number"}},
                    "2": {"class": "PreviewValue", "inputs": {}}}, [("1", "result", "2", "value")])
    async with serve(make_app()) as client:
        body = await post_prompt(client, bad, prefix, expect=400)
        assert body["error"]["type"] == "prompt_outputs_failed_validation"
        assert set(body["node_errors"]) == {"1"}
        node = body["node_errors"]["1"]
        assert node["class_type"] == "MathInt"
        assert node["dependent_outputs"] == []
        [error] = node["errors"]
        assert error["extra_info"]["input_name"] == "a"
        assert error["type"] == "bad_value"
        assert "node 1" in error["message"] and "'a'" in error["message"]
        assert body["errors"][0]["node_id"] == "1" and body["errors"][0]["input"] == "a"

        missing = workflow({"5": {"class": "PreviewValue", "inputs": {}}})
        body = await post_prompt(client, missing, prefix, expect=400)
        assert body["node_errors"]["5"]["errors"][0]["extra_info"]["input_name"] == "value"
        assert body["node_errors"]["5"]["errors"][0]["type"] == "missing_input"

        unknown = workflow({"7": {"class": "NoSuchNode", "inputs": {}}, "8": {"class": "PreviewValue"}},
                           [("7", "x", "8", "value")])
        body = await post_prompt(client, unknown, prefix, expect=400)
        assert body["node_errors"]["7"]["class_type"] == "NoSuchNode"
        assert body["node_errors"]["7"]["errors"][0]["type"] == "unknown_class"
        queue = await (await client.get(f"{prefix}/queue")).json()
        assert queue == {"queue_running": [], "queue_pending": []}, "invalid prompts must not be queued"


@pytest.mark.parametrize("body", [
    pytest.param(b"{not json", id="not-json"),
    pytest.param(b'{"prompt": ', id="truncated"),
    pytest.param(b'{"client_id": "x"}', id="no-prompt"),
    pytest.param(b"[1, 2]", id="a-list"),
    pytest.param(b'"prompt"', id="a-string"),
    pytest.param(b'{"prompt": ' + b"[" * 70 + b"]" * 70 + b"}", id="too-deep"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="recursion-deep"),
    pytest.param(b'{"prompt": {"format": "worldgraph/workflow", "version": 2, "nodes": 5}}', id="bad-format"),
    pytest.param(b'{"prompt": 5}', id="prompt-not-object"),
    pytest.param(b'{"prompt": {"nodes": [], "last_node_id": 3}}', id="comfy-editor-format"),
])
@run_async
async def test_post_prompt_refuses_bad_bodies(make_app, prefix, body):
    async with serve(make_app()) as client:
        response = await client.post(f"{prefix}/prompt", data=body, headers={"Content-Type": "application/json"})
        assert response.status == 400, await response.text()
        assert "message" in (await response.json())["error"]


@run_async
async def test_get_prompt_counts_running_and_pending(make_app, prefix):
    async with serve(make_app()) as client:
        assert await (await client.get(f"{prefix}/prompt")).json() == {"exec_info": {"queue_remaining": 0}}
        job = await post_prompt(client, slow(), prefix)
        await running(client, job["prompt_id"])
        await post_prompt(client, hello(), prefix)
        assert await (await client.get(f"{prefix}/prompt")).json() == {"exec_info": {"queue_remaining": 2}}
        await client.post(f"{prefix}/queue", json={"clear": True})
        await client.post(f"{prefix}/interrupt", json={})
        await finished(client, job["prompt_id"], prefix)

        async def idle() -> bool:
            answer = await (await client.get(f"{prefix}/prompt")).json()
            return answer == {"exec_info": {"queue_remaining": 0}}

        await wait_until(idle, what="an idle queue")


# ---- /interrupt ----------------------------------------------------------------------------------
@run_async
async def test_interrupt_stops_only_the_running_job(make_app, prefix):
    async with serve(make_app()) as client:
        assert await (await client.post(f"{prefix}/interrupt")).json() == {"interrupted": None}
        job = await post_prompt(client, slow(), prefix)
        await running(client, job["prompt_id"])
        other = await client.post(f"{prefix}/interrupt", json={"prompt_id": "someone-else"})
        assert await other.json() == {"interrupted": None}
        await running(client, job["prompt_id"])
        hit = await client.post(f"{prefix}/interrupt", json={"prompt_id": job["prompt_id"]})
        assert await hit.json() == {"interrupted": job["prompt_id"], "stopped": "cooperative"}
        entry = await finished(client, job["prompt_id"], prefix)
        assert entry["status"]["status_str"] == "interrupted"
        assert entry["status"]["completed"] is False


# ---- /history ------------------------------------------------------------------------------------
@run_async
async def test_history_lists_deletes_and_clears(make_app, prefix):
    async with serve(make_app()) as client:
        ids = [(await post_prompt(client, hello(seed=s, prefix=f"h{s}"), prefix))["prompt_id"] for s in range(3)]
        for prompt_id in ids:
            await finished(client, prompt_id, prefix)
        history = await (await client.get(f"{prefix}/history")).json()
        assert list(history) == ids[::-1], "newest first"
        newest = await (await client.get(f"{prefix}/history", params={"max_items": "1"})).json()
        assert list(newest) == [ids[-1]]
        refused = await client.get(f"{prefix}/history", params={"max_items": "lots"})
        assert refused.status == 400 and await refused.json() == {"error": "max_items must be an integer"}

        assert list(await (await client.get(f"{prefix}/history", params={"offset": "1"})).json()) == ids[1::-1]
        window = await (await client.get(f"{prefix}/history", params={"max_items": "1", "offset": "1"})).json()
        assert list(window) == [ids[1]]
        assert await (await client.get(f"{prefix}/history", params={"offset": "3"})).json() == {}
        refused = await client.get(f"{prefix}/history", params={"offset": "x"})
        assert refused.status == 400 and await refused.json() == {"error": "offset must be an integer"}  # ComfyUI's
        assert (await client.get(f"{prefix}/history", params={"offset": "-1"})).status == 400

        unknown = await client.get(f"{prefix}/history/0123456789abcdef0123456789abcdef")
        assert unknown.status == 404
        assert "message" in (await unknown.json())["error"]

        deleted = await client.post(f"{prefix}/history", json={"delete": [ids[0], "not-an-id"]})
        assert await deleted.json() == {"removed": 1}
        assert (await client.get(f"{prefix}/history/{ids[0]}")).status == 404
        cleared = await client.post(f"{prefix}/history", json={"clear": True})
        assert await cleared.json() == {"removed": 2}
        assert await (await client.get(f"{prefix}/history")).json() == {}
        assert (await client.get(f"{prefix}/history/{ids[2]}")).status == 404


@run_async
async def test_history_item_is_empty_while_queued_or_running(make_app, prefix):
    async with serve(make_app()) as client:
        blocker = await post_prompt(client, slow(), prefix)
        await running(client, blocker["prompt_id"])
        queued = await post_prompt(client, hello(), prefix)
        for prompt_id in (blocker["prompt_id"], queued["prompt_id"]):
            response = await client.get(f"{prefix}/history/{prompt_id}")
            assert response.status == 200
            assert await response.json() == {}
        assert await (await client.get(f"{prefix}/history")).json() == {}
        cleared = await client.post(f"{prefix}/history", json={"clear": True})
        assert await cleared.json() == {"removed": 0}, "clearing history must not touch queued jobs"
        await client.post(f"{prefix}/interrupt")
        assert (await finished(client, queued["prompt_id"], prefix))["status"]["status_str"] == "success"


# ---- /object_info --------------------------------------------------------------------------------
@run_async
async def test_object_info(make_app, prefix):
    async with serve(make_app()) as client:
        everything = await (await client.get(f"{prefix}/object_info")).json()
        assert {"MathInt", "SaveImage", "PreviewValue", "TestSlow"} <= set(everything)
        math = everything["MathInt"]
        assert set(math["input"]["required"]) == {"a", "b", "op"}
        assert math["output"] == ["INT"] and math["output_name"] == ["result"]
        assert everything["SaveImage"]["output_node"] is True
        one = await client.get(f"{prefix}/object_info/MathInt")
        assert one.status == 200
        assert await one.json() == {"MathInt": math}
        missing = await client.get(f"{prefix}/object_info/MathIntt")
        assert missing.status == 404
        assert "MathIntt" in (await missing.json())["error"]["message"]


# ---- /view ---------------------------------------------------------------------------------------
@run_async
async def test_view_serves_files_and_ranges(make_app, tmp_path, prefix):
    data = bytes(range(256)) * 40
    (tmp_path / "output" / "clips").mkdir(parents=True)
    (tmp_path / "output" / "clips" / "take.bin").write_bytes(data)
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "in.bin").write_bytes(b"input file")
    (tmp_path / "temp").mkdir()
    (tmp_path / "temp" / "t.bin").write_bytes(b"temp file")
    async with serve(make_app()) as client:
        whole = await client.get(f"{prefix}/view", params={"filename": "take.bin", "subfolder": "clips"})
        assert whole.status == 200
        assert await whole.read() == data

        part = await client.get(f"{prefix}/view", params={"filename": "take.bin", "subfolder": "clips",
                                                          "type": "output"}, headers={"Range": "bytes=100-199"})
        assert part.status == 206
        assert await part.read() == data[100:200]
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
        tail = await client.get(f"{prefix}/view", params={"filename": "take.bin", "subfolder": "clips"},
                                headers={"Range": "bytes=-10"})
        assert tail.status == 206 and await tail.read() == data[-10:]

        for kind, name, expected in (("input", "in.bin", b"input file"), ("temp", "t.bin", b"temp file")):
            response = await client.get(f"{prefix}/view", params={"filename": name, "type": kind})
            assert response.status == 200 and await response.read() == expected

        for params in ({"filename": "nope.png"}, {"filename": "take.bin"}, {"filename": "clips"},
                       {"filename": "in.bin", "type": "output"}):
            response = await client.get(f"{prefix}/view", params=params)
            assert response.status == 404, params
        assert (await client.get(f"{prefix}/view")).status in (400, 404)
        assert (await client.get(f"{prefix}/view", params={"filename": "in.bin", "type": "cache"})).status == 400


@run_async
async def test_view_serves_what_a_prompt_saved(make_app, tmp_path, prefix):
    async with serve(make_app()) as client:
        body = await post_prompt(client, hello(prefix="shown"), prefix)
        [image] = (await finished(client, body["prompt_id"], prefix))["outputs"]["7"]["images"]
        response = await client.get(f"{prefix}/view", params=image)
        assert response.status == 200
        assert await response.read() == (tmp_path / "output" / image["filename"]).read_bytes()
        assert Image.open(io.BytesIO(await response.read())).size == (640, 360)


# ---- /upload -------------------------------------------------------------------------------------
@run_async
async def test_upload_image_names_and_overwrite(make_app, tmp_path, prefix):
    first, second, third = png_bytes(color=(1, 0, 0)), png_bytes(color=(2, 0, 0)), png_bytes(color=(3, 0, 0))
    async with serve(make_app()) as client:
        _, body = await upload(client, prefix, first, "pic.png")
        assert body == {"name": "pic.png", "subfolder": "", "type": "input"}
        _, body = await upload(client, prefix, second, "pic.png")
        assert body["name"] == "pic (1).png"
        _, body = await upload(client, prefix, second, "pic.png", overwrite="false")
        assert body["name"] == "pic (2).png"
        assert (tmp_path / "input" / "pic.png").read_bytes() == first, "no overwrite unless asked"
        _, body = await upload(client, prefix, third, "pic.png", overwrite="true")
        assert body["name"] == "pic.png"
        assert (tmp_path / "input" / "pic.png").read_bytes() == third
        assert files_under(tmp_path / "input") == ["pic (1).png", "pic (2).png", "pic.png"]

        _, body = await upload(client, prefix, first, "shot.png", type="temp", subfolder="a/b")
        assert body == {"name": "shot.png", "subfolder": "a/b", "type": "temp"}
        assert (tmp_path / "temp" / "a" / "b" / "shot.png").read_bytes() == first
        viewed = await client.get(f"{prefix}/view", params={"filename": body["name"], "subfolder": "a/b",
                                                            "type": "temp"})
        assert await viewed.read() == first


@pytest.mark.parametrize(("given", "stored"), [
    ("../../evil.png", "evil.png"),
    ("..\\..\\win.png", "win.png"),
    ("/etc/cron.d/x.png", "x.png"),
    ("we<ird>|na:me?.png", "we_ird_na_me_.png"),
    ("  spaced .png", "spaced .png"),
])
@run_async
async def test_upload_sanitises_names(make_app, tmp_path, prefix, given, stored):
    async with serve(make_app()) as client:
        _, body = await upload(client, prefix, png_bytes(), given)
        assert body["name"] == stored
        assert files_under(tmp_path / "input") == [stored]
        assert [p for p in tmp_path.rglob(stored) if p.parent != tmp_path / "input"] == []
        assert not Path("/etc/cron.d/x.png").exists()


@pytest.mark.parametrize("filename", ["..", "...", " . ", "//"])
@run_async
async def test_upload_refuses_unusable_names(make_app, tmp_path, prefix, filename):
    async with serve(make_app()) as client:
        status, body = await upload(client, prefix, png_bytes(), filename, expect=None)
        assert status == 400, body
        assert files_under(tmp_path / "input") == []


@pytest.mark.parametrize("fields", [{"subfolder": ".."}, {"subfolder": "../x"}, {"subfolder": "/tmp"},
                                    {"type": "../input"}, {"type": "cache"}, {"subfolder": "a\\..\\.."}])
@run_async
async def test_upload_refuses_folders_outside(make_app, tmp_path, prefix, fields):
    async with serve(make_app()) as client:
        status, _ = await upload(client, prefix, png_bytes(), "ok.png", expect=None, **fields)
        assert status == 400
        assert [p for p in tmp_path.rglob("ok.png")] == []


@pytest.mark.parametrize(("data", "status"), [
    pytest.param(b"this is not an image at all", 400, id="text"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 400, id="broken-png"),
    pytest.param(png_header_only(100_000, 100_000), 400, id="bomb-100000x100000"),
    pytest.param(png_header_only(9_000, 9_000, idat=True), 413, id="bomb-9000x9000"),
])
@run_async
async def test_upload_image_refuses_non_images_and_bombs(make_app, tmp_path, prefix, data, status):
    async with serve(make_app()) as client:
        got, body = await upload(client, prefix, data, "evil.png", expect=None)
        assert got == status, body
        assert "evil.png" in body["error"]["message"]
        assert files_under(tmp_path / "input") == []


@run_async
async def test_upload_file_takes_any_content(make_app, tmp_path, prefix):
    async with serve(make_app()) as client:
        _, body = await upload(client, prefix, b"RIFF....WAVEfmt ", "sound.wav", field="file")
        assert body == {"name": "sound.wav", "subfolder": "", "type": "input"}
        _, body = await upload(client, prefix, b"{}", "flow.json", field="file")
        assert (tmp_path / "input" / "sound.wav").read_bytes() == b"RIFF....WAVEfmt "
        _, again = await upload(client, prefix, b"other", "sound.wav", field="file")
        assert again["name"] == "sound (1).wav"


@run_async
async def test_upload_refuses_malformed_requests(make_app, prefix):
    async with serve(make_app()) as client:
        not_multipart = await client.post(f"{prefix}/upload/image", json={"image": "x"})
        assert not_multipart.status == 400
        no_file = aiohttp.FormData()
        no_file.add_field("type", "input")
        no_file.add_field("dummy", b"x", filename="x.png")
        response = await client.post(f"{prefix}/upload/image", data=no_file)
        assert response.status == 400
        text_only = aiohttp.FormData({"image": "just text"})
        response = await client.post(f"{prefix}/upload/image", data=text_only)
        assert response.status == 400


# ---- /userdata -----------------------------------------------------------------------------------
@run_async
async def test_userdata_round_trip(make_app, tmp_path, prefix):
    user = tmp_path / "user"
    async with serve(make_app()) as client:
        assert await (await client.get(f"{prefix}/userdata", params={"dir": "workflows"})).json() == []
        saved = await client.post(f"{prefix}/userdata/workflows%2Fa.json", data=b'{"v": 1}')
        assert saved.status == 200
        assert await saved.json() == {"path": "workflows/a.json", "size": 8}
        assert (user / "workflows" / "a.json").read_bytes() == b'{"v": 1}'
        await client.post(f"{prefix}/userdata/workflows%2Fsub%2Fb.json", data=b"{}")
        listed = await (await client.get(f"{prefix}/userdata", params={"dir": "workflows"})).json()
        assert listed == ["a.json", "sub/b.json"]
        assert await (await client.get(f"{prefix}/userdata")).json() == listed, "dir defaults to workflows"

        got = await client.get(f"{prefix}/userdata/workflows%2Fa.json")
        assert got.status == 200 and await got.read() == b'{"v": 1}'

        refused = await client.post(f"{prefix}/userdata/workflows%2Fa.json", params={"overwrite": "false"},
                                    data=b"replaced")
        assert refused.status == 409
        assert (user / "workflows" / "a.json").read_bytes() == b'{"v": 1}'
        replaced = await client.post(f"{prefix}/userdata/workflows%2Fa.json", data=b'{"v": 2}')
        assert replaced.status == 200
        assert (user / "workflows" / "a.json").read_bytes() == b'{"v": 2}'

        moved = await client.post(f"{prefix}/userdata/workflows%2Fa.json/move/workflows%2Fnew%2Fc.json")
        assert moved.status == 200 and await moved.json() == {"path": "workflows/new/c.json"}
        assert not (user / "workflows" / "a.json").exists()
        assert (user / "workflows" / "new" / "c.json").read_bytes() == b'{"v": 2}'
        clash = await client.post(f"{prefix}/userdata/workflows%2Fnew%2Fc.json/move/workflows%2Fsub%2Fb.json")
        assert clash.status == 409
        assert (user / "workflows" / "new" / "c.json").exists()
        forced = await client.post(f"{prefix}/userdata/workflows%2Fnew%2Fc.json/move/workflows%2Fsub%2Fb.json",
                                   params={"overwrite": "true"})
        assert forced.status == 200
        assert (user / "workflows" / "sub" / "b.json").read_bytes() == b'{"v": 2}'
        gone = await client.post(f"{prefix}/userdata/workflows%2Fmissing.json/move/workflows%2Fx.json")
        assert gone.status == 404

        deleted = await client.delete(f"{prefix}/userdata/workflows%2Fsub%2Fb.json")
        assert deleted.status == 200
        assert not (user / "workflows" / "sub" / "b.json").exists()
        assert (await client.delete(f"{prefix}/userdata/workflows%2Fsub%2Fb.json")).status == 404
        assert (await client.get(f"{prefix}/userdata/workflows%2Fsub%2Fb.json")).status == 404
        assert sorted(p.name for p in user.rglob(".wg-tmp-*")) == []


@run_async
async def test_userdata_write_onto_a_folder_is_a_client_error(make_app, tmp_path, prefix):
    (tmp_path / "user" / "workflows").mkdir(parents=True)
    (tmp_path / "user" / "workflows" / "a.json").write_text("{}")
    (tmp_path / "user" / "plain").write_text("a file")
    async with serve(make_app()) as client:
        for method, path in (("POST", "/userdata/workflows"), ("POST", "/userdata/plain%2Fx.json"),
                             ("POST", "/userdata/workflows%2Fa.json/move/workflows?overwrite=true")):
            response = await client.request(method, prefix + path, data=b"{}")
            assert 400 <= response.status < 500, (path, response.status)


@run_async
async def test_userdata_never_exposes_the_job_database(make_app, tmp_path, prefix):
    async with serve(make_app()) as client:
        await post_prompt(client, hello(), prefix)
        listing = await client.get(f"{prefix}/userdata", params={"dir": "."})
        if listing.status == 200:
            names = await listing.json()
            assert not [name for name in names if name.startswith("jobs.sqlite3")], names
        got = await client.get(f"{prefix}/userdata/jobs.sqlite3")
        assert got.status == 404  # the database lives outside the user folder
        await client.post(f"{prefix}/userdata/jobs.sqlite3", data=b"garbage")  # only a user file of that name
        await client.delete(f"{prefix}/userdata/jobs.sqlite3")
        assert not (tmp_path / "user" / "jobs.sqlite3").exists()
        assert (tmp_path / "state" / "jobs.sqlite3").read_bytes().startswith(b"SQLite format 3")


# ---- system ----------------------------------------------------------------------------------------
@run_async
async def test_system_stats_and_features(make_app, prefix):
    async with serve(make_app()) as client:
        stats = await (await client.get(f"{prefix}/system_stats")).json()
        assert stats["system"]["worldgraph_version"] == VERSION
        assert stats["system"]["python_version"].count(".") == 2
        assert stats["system"]["ram_total"] >= stats["system"]["ram_free"] >= 0
        assert stats["devices"] and {"name", "type", "vram_total", "vram_free"} <= set(stats["devices"][0])
        features = await (await client.get(f"{prefix}/features")).json()
        assert features["max_upload_size"] == MAX_BODY
        assert isinstance(features["supports_preview_metadata"], bool)


@run_async
async def test_openapi_describes_every_route(make_app, prefix):
    async with serve(make_app()) as client:
        document = await (await client.get(f"{prefix}/openapi.json")).json()
        assert document["openapi"].startswith("3.")
        assert document["info"]["version"] == VERSION
        described = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
        expected = {(method, path) for method, path, _, _ in server.ROUTES} | {("GET", "/openapi.json")}
        assert described == expected
        for method, path, _, summary in server.ROUTES:
            operation = document["paths"][path][method.lower()]
            assert operation["summary"] == summary
            names = re.findall(r"{(\w+)}", path)
            assert [p["name"] for p in operation.get("parameters", [])] == names
        assert "requestBody" in document["paths"]["/prompt"]["post"]
        json.dumps(document)


@run_async
async def test_every_route_answers_at_both_prefixes(make_app, prefix):
    """Every route in ROUTES is mounted at this prefix (no 404/405 from the router)."""
    async with serve(make_app()) as client:
        for method, path, _, _ in server.ROUTES:
            if path == "/ws":
                ws = await client.ws_connect(f"{prefix}/ws")
                await ws.close()
                continue
            concrete = path.replace("{prompt_id}", "x").replace("{class}", "MathInt").replace(
                "{file}", "f.json").replace("{dest}", "g.json").replace("{id}", "Comfy.Zoom").replace(
                "{folder}", "world")
            response = await client.request(method, prefix + concrete, json={})
            assert response.status != 405, (method, concrete)
            if response.status == 404:  # a handler's 404 (no such file) is JSON; the router's is not
                assert "error" in await response.json(), (method, concrete)
            assert response.status < 500, (method, concrete, response.status)
        assert (await client.get(f"{prefix}/no-such-route")).status == 404


@run_async
async def test_root_and_api_share_one_queue(make_app, prefix):
    other = "/api" if prefix == "" else ""
    async with serve(make_app()) as client:
        body = await post_prompt(client, hello(), prefix)
        entry = await finished(client, body["prompt_id"], other)
        assert entry["status"]["status_str"] == "success"
        assert body["prompt_id"] in await (await client.get(f"{other}/history")).json()


# ---- /api/jobs -----------------------------------------------------------------------------------
@run_async
async def test_the_jobs_api_lists_filters_pages_and_sorts_jobs_as_comfyui_does(make_app, prefix):
    async with serve(make_app()) as client:
        ids = [(await post_prompt(client, hello(seed=300 + s, prefix=f"j{s}"), prefix))["prompt_id"] for s in range(3)]
        failed = (await post_prompt(client, divide_by_zero(), prefix))["prompt_id"]
        for prompt_id in [*ids, failed]:
            await finished(client, prompt_id, prefix)
        body = await (await client.get(f"{prefix}/jobs")).json()
        assert [job["id"] for job in body["jobs"]] == [failed, *ids[::-1]]  # newest first
        assert body["pagination"] == {"offset": 0, "limit": None, "total": 4, "has_more": False}
        done = body["jobs"][1]  # its outputs: an image and a text
        assert done["status"] == "completed" and done["outputs_count"] == 2 and done["execution_time"] > 0
        assert done["preview_output"]["nodeId"] == "7" and done["preview_output"]["mediaType"] == "images"
        assert done["preview_output"]["filename"].startswith("j2_")
        assert body["jobs"][0]["status"] == "error" and "zero" in body["jobs"][0]["error_message"]

        oldest_first = {"status": "completed", "sort_order": "asc"}
        completed = await (await client.get(f"{prefix}/jobs", params=oldest_first)).json()
        assert [job["id"] for job in completed["jobs"]] == ids
        first, second = [await (await client.get(f"{prefix}/jobs", params={"limit": "2", "offset": str(o)})).json()
                         for o in (0, 2)]  # pages
        assert {j["id"] for j in first["jobs"]}.isdisjoint({j["id"] for j in second["jobs"]})
        assert first["pagination"]["has_more"] and not second["pagination"]["has_more"]

        one = await (await client.get(f"{prefix}/jobs/{ids[0]}")).json()
        assert one["id"] == ids[0] and "7" in one["outputs"] and one["prompt"]["nodes"]
        assert (await client.get(f"{prefix}/jobs/nonexistent-job-id")).status == 404
        for query in ({"status": "done"}, {"sort_by": "name"}, {"sort_order": "up"}, {"limit": "x"}):
            assert (await client.get(f"{prefix}/jobs", params=query)).status == 400, query


@run_async
async def test_partial_execution_targets_run_only_the_outputs_named(make_app, prefix):
    async with serve(make_app()) as client:
        body = await post_prompt(client, hello(seed=401), prefix, partial_execution_targets=["8"])
        entry = await finished(client, body["prompt_id"], prefix)
        assert list(entry["outputs"]) == ["8"]  # the text preview, not the saved image
        for targets, status in (([], 400), (["nope"], 400), ("8", 400)):
            response = await client.post(f"{prefix}/prompt",
                                         json={"prompt": hello(seed=402), "partial_execution_targets": targets})
            assert response.status == status, targets
        both = {"prompt": hello(seed=403), "outputs": ["7"], "partial_execution_targets": ["8"]}
        refused = await client.post(f"{prefix}/prompt", json=both)
        assert refused.status == 400 and "name different nodes" in (await refused.json())["error"]["message"]


@run_async
async def test_upload_mask_puts_the_masks_alpha_on_the_original(make_app, tmp_path, prefix):
    async with serve(make_app()) as client:
        await upload(client, prefix, png_bytes((8, 6), (200, 100, 50)), "photo.png")
        painted = Image.new("RGBA", (4, 3), (0, 0, 0, 255))
        painted.putpixel((0, 0), (0, 0, 0, 0))  # the top-left corner masked out
        buffer = io.BytesIO()
        painted.save(buffer, "PNG")
        ref = json.dumps({"filename": "photo.png", "subfolder": "", "type": "input"})
        body, content_type = multipart("image", buffer.getvalue(), "clipspace-mask.png", original_ref=ref)
        response = await client.post(f"{prefix}/upload/mask", data=body, headers={"Content-Type": content_type})
        assert await response.json() == {"name": "clipspace-mask.png", "subfolder": "", "type": "input"}
        with Image.open(tmp_path / "input" / "clipspace-mask.png") as result:
            assert result.mode == "RGBA" and result.size == (8, 6)
            assert result.getpixel((0, 0))[3] == 0 and result.getpixel((7, 5)) == (200, 100, 50, 255)
        for original_ref, status in (("{not json", 400), (json.dumps({"filename": "gone.png"}), 404),
                                     (json.dumps({"filename": "../../etc/passwd"}), 400)):
            body, content_type = multipart("image", buffer.getvalue(), "m.png", original_ref=original_ref)
            response = await client.post(f"{prefix}/upload/mask", data=body, headers={"Content-Type": content_type})
            assert response.status == status, (original_ref, await response.text())
