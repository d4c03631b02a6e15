"""Custom node packs through the real server: GET /custom_nodes, GET /extensions, the extension files
(path-safe) and ComfyUI-style nodes queued with POST /prompt."""

from __future__ import annotations

import argparse
import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from serverkit import PREFIXES, finished, post_prompt, run_async, serve
from yarl import URL

import graph
import server
from graph.packs import PackOptions, PackReports, from_arguments, load_packs

PACKS = Path(__file__).resolve().parents[1] / "custom_nodes" / "packs"
PACK_INIT = (PACKS / "comfy_contract" / "__init__.py").read_text()


@pytest.fixture
def packs(tmp_path: Path, registry: graph.NodeRegistry) -> PackReports:
    """The comfy_contract pack, a failing pack, and a pack whose web folder links out, loaded into the
    registry."""
    extra = tmp_path / "extra"
    (extra / "failing" / "web").mkdir(parents=True)
    (extra / "failing" / "__init__.py").write_text("WEB_DIRECTORY = 'web'\nimport not_there\n")
    (extra / "failing" / "web" / "x.js").write_text("export {}\n")
    (extra / "linky" / "web").mkdir(parents=True)
    (extra / "linky" / "__init__.py").write_text("WEB_DIRECTORY = 'web'\n")
    (extra / "linky" / "secret.txt").write_text("a secret\n")
    (extra / "linky" / "web" / "out.js").symlink_to(extra / "linky" / "secret.txt")
    return load_packs(registry, PackOptions((PACKS, extra)))


@pytest.mark.parametrize("prefix", PREFIXES)
@run_async
async def test_the_listing(make_app: Any, packs: PackReports, prefix: str) -> None:
    async with serve(make_app(reports=packs)) as client:
        response = await client.get(f"{prefix}/custom_nodes")
        assert response.status == 200
        listed = {pack["name"]: pack for pack in (await response.json())["packs"]}
    assert list(listed) == ["comfy_contract", "failing", "linky"]
    contract = listed["comfy_contract"]
    assert contract["status"] == "loaded" and contract["error"] == "" and len(contract["nodes"]) == 11
    assert contract["web_directory"] == "/extensions/comfy_contract" and contract["requirements"] == ["torch"]
    assert contract["scripts"] == ["/extensions/comfy_contract/contract.js", "/extensions/comfy_contract/lib/helper.js"]
    assert contract["module"] == "custom_nodes.comfy_contract" and isinstance(contract["seconds"], float)
    failing = listed["failing"]
    assert failing["status"] == "failed" and failing["web_directory"] is None and failing["scripts"] == []
    assert failing["error"] == ("import failed: ModuleNotFoundError: No module named 'not_there' (missing: not-there; "
                                "nothing is installed automatically: run 'worldgraph packs install failing')")
    assert failing["missing"] == ["not-there"]
    assert failing["traceback"].endswith("ModuleNotFoundError: No module named 'not_there'")
    assert listed["linky"]["scripts"] == []  # its only script links out of the folder


@pytest.mark.parametrize("prefix", PREFIXES)
@run_async
async def test_extensions_list_and_files(make_app: Any, packs: PackReports, prefix: str) -> None:
    async with serve(make_app(reports=packs)) as client:
        response = await client.get(f"{prefix}/extensions")
        urls = await response.json()
        assert urls == ["/extensions/comfy_contract/contract.js", "/extensions/comfy_contract/lib/helper.js"]
        for url in urls:
            response = await client.get(prefix + url)
            assert response.status == 200 and response.headers["Content-Type"].startswith("text/javascript")
            assert "export" in await response.text()
        style = await client.get(f"{prefix}/extensions/comfy_contract/style.css")
        assert style.status == 200 and style.headers["Content-Type"].startswith("text/css")


REFUSED = ["../__init__.py", "%2e%2e/__init__.py", "..%2f__init__.py", "lib/..%2f..%2f__init__.py",
           "lib%2f..%2f..%2f__init__.py", "%2fetc%2fpasswd", "..%5c__init__.py", "lib/%00.js", "./contract.js/..",
           "lib", "nope.js"]


@pytest.mark.parametrize("prefix", PREFIXES)
@run_async
async def test_extension_files_never_leave_their_folder(make_app: Any, packs: PackReports,
                                                        prefix: str) -> None:
    async with serve(make_app(reports=packs)) as client:
        base = f"http://127.0.0.1:{client.port}{prefix}/extensions"
        assert (await client.session.get(URL(f"{base}/comfy_contract/lib%2fhelper.js", encoded=True))).status == 200
        for path in [f"comfy_contract/{tail}" for tail in REFUSED] + ["linky/out.js", "failing/x.js", "nobody/x.js",
                                                                      "..%2fcomfy_contract/contract.js"]:
            response = await client.session.get(URL(f"{base}/{path}", encoded=True))
            body = await response.text()
            assert response.status in (400, 404), (path, response.status)
            assert "NODE_CLASS_MAPPINGS" not in body and "a secret" not in body and PACK_INIT not in body


def _raw_get(port: int, target: str) -> bytes:
    """A GET with a request target sent byte for byte (no client normalises the dots)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@run_async
async def test_raw_dot_segments_are_refused(make_app: Any, packs: PackReports) -> None:
    async with serve(make_app(reports=packs)) as client:
        control = await asyncio.to_thread(_raw_get, client.port, "/extensions/comfy_contract/lib/helper.js")
        assert control.startswith(b"HTTP/1.1 200") and b"nested extension module" in control
        for target in ("/extensions/comfy_contract/../__init__.py", "/extensions/comfy_contract/lib/../../nodes.py",
                       "/extensions/comfy_contract/../../../../../../etc/passwd"):
            answer = await asyncio.to_thread(_raw_get, client.port, target)
            status = int(answer.split(b" ", 2)[1])
            assert status in (400, 404), (target, answer[:200])
            assert b"NODE_CLASS_MAPPINGS" not in answer and b"root:" not in answer


@run_async
async def test_comfy_nodes_run_through_the_server(make_app: Any, packs: PackReports) -> None:
    prompt = {
        "1": {"class_type": "EmptyImage", "inputs": {"width": 4, "height": 4, "red": 255}},
        "2": {"class_type": "ComfyInvert", "inputs": {"image": ["1", 0], "strength": 1.0}},
        "3": {"class_type": "ComfyImageStats", "inputs": {"images": ["2", 0]}},
        "4": {"class_type": "ComfyMakeLatent", "inputs": {"width": 8, "fill": "ones", "note": "hi", "seed": 5}},
        "5": {"class_type": "ComfyLatentInfo", "inputs": {"latent": ["4", 0], "model": ["4", 1]}},
        "6": {"class_type": "ComfySplit", "inputs": {"text": "one two"}},
        "7": {"class_type": "ComfyShout", "inputs": {"text": ["6", 0], "suffix": "?"}},
        "8": {"class_type": "ComfyJoin", "inputs": {"texts": ["7", 0], "separator": " "}},
    }
    async with serve(make_app(reports=packs)) as client:
        queued = await post_prompt(client, prompt)
        entry = await finished(client, queued["prompt_id"])
        assert entry["status"]["status_str"] == "success", entry["status"]
        outputs = entry["outputs"]
        assert outputs["3"]["text"] == ["Tensor [1, 4, 4, 3] mean=0.667"]
        assert outputs["5"]["text"] == ["[1, 4, 1, 1] sum=4 hi"] and outputs["5"]["unique_id"] == ["5"]
        assert outputs["8"]["text"] == ["ONE? TWO?"]
        refused = await post_prompt(client, {"1": {"class_type": "ComfyDivide", "inputs": {"a": 1, "b": 0}},
                                             "2": {"class_type": "PreviewValue", "inputs": {"value": ["1", 0]}}},
                                    expect=400)
        [error] = refused["node_errors"]["1"]["errors"]
        assert error["type"] == "custom_validation"
        assert error["details"] == "custom validation failed: b must not be zero"


@run_async
async def test_the_app_loads_packs_from_its_config(tmp_path: Path) -> None:
    folder = tmp_path / "root" / "custom_nodes"
    (folder / "web_only" / "js").mkdir(parents=True)
    (folder / "web_only" / "__init__.py").write_text("WEB_DIRECTORY = 'js'\n")
    (folder / "web_only" / "js" / "a.js").write_text("export default {name: 'a', setup() {}}\n")
    parser = server._arguments(argparse.ArgumentParser())
    args = parser.parse_args(["--root", str(tmp_path / "root"), "--slow-pack-seconds", "5"])
    config = server.Config(root=args.root, packs=from_arguments(args, args.root))
    async with serve(server.create_app(config)) as client:
        assert await (await client.get("/api/extensions")).json() == ["/extensions/web_only/a.js"]
        [pack] = (await (await client.get("/custom_nodes")).json())["packs"]
        assert pack["name"] == "web_only" and pack["status"] == "loaded" and pack["warnings"] == []
    disabled = from_arguments(parser.parse_args(["--disable-custom-nodes"]), args.root)
    async with serve(server.create_app(server.Config(root=args.root, packs=disabled))) as client:
        assert await (await client.get("/extensions")).json() == []
        [pack] = (await (await client.get("/custom_nodes")).json())["packs"]
        assert pack["status"] == "disabled"
    async with serve(server.create_app(server.Config(root=args.root))) as client:  # no options: no packs
        assert await (await client.get("/custom_nodes")).json() == {"packs": []}
