"""Requests that got a 500 and a traceback, and their near neighbours: each gets a 4xx that says why (or,
where nothing is wrong, its answer), and the server logs no error.

Names over 255 bytes, malformed multipart bodies, integers past Python's digit limit, a non-ASCII token,
a storm of WebSocket upgrades closed at once, an upload abandoned half-way. All against a real server with a
token, over real sockets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from serverkit import EdgeTestServer, exchange, run_async, status_line, wait_until

import graph
from graph.packs import PackOptions, load_packs
from webserver.keys import HUB

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LONG = "a" * 300
LONG_UTF8 = "é" * 150  # 150 characters, 300 bytes
Case = Callable[[TestClient], Awaitable[int]]


def request(method: str, path: str, **kwargs: Any) -> Case:
    async def send(client: TestClient) -> int:
        response = await client.request(method, path, headers={**AUTH, **kwargs.pop("headers", {})}, **kwargs)
        await response.read()
        return response.status

    return send


def raw(head: str, body: bytes = b"") -> Case:
    """A request sent byte for byte (no client tidies it): ``head`` without its blank line."""
    async def send(client: TestClient) -> int:
        data = f"{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode("latin-1")
        return status_line(await exchange(client.port, data + f"Content-Length: {len(body)}\r\n\r\n".encode() + body))

    return send


def multipart(parts: bytes, route: str = "/upload/image") -> Case:
    return raw(f"POST {route} HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n"
               "Content-Type: multipart/form-data; boundary=xx", parts)


def upload(filename: str, **fields: str) -> Case:
    """An upload with its file name sent raw, as browsers send it (aiohttp's FormData would percent-encode it)."""
    parts = b"".join(f'--xx\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                     for name, value in fields.items())
    file = f'--xx\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n'.encode()
    return multipart(parts + file + b"RIFF....WAVEfmt \r\n--xx--\r\n", "/upload/file")


async def websocket_storm(client: TestClient) -> int:
    """300 upgrades whose clients vanish at once; afterwards the hub holds none of them."""
    upgrade = (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode()

    async def vanish() -> None:
        _, writer = await asyncio.open_connection("127.0.0.1", client.port)
        writer.write(upgrade)
        writer.transport.abort()

    await asyncio.gather(*(vanish() for _ in range(300)))
    await settled(client)
    assert client.app is not None and client.app[HUB].clients == {}, "closed sockets stayed in the hub"
    async with client.ws_connect("/ws", headers=AUTH) as ws:
        await ws.receive_json(timeout=5)
    return 101


async def abandoned_upload(client: TestClient) -> int:
    """Half of a multipart upload, then the client is gone."""
    _, writer = await asyncio.open_connection("127.0.0.1", client.port)
    writer.write(f"POST /upload/file HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
                 "Content-Type: multipart/form-data; boundary=xx\r\nContent-Length: 100000\r\n\r\n"
                 '--xx\r\nContent-Disposition: form-data; name="file"; filename="half.wav"\r\n\r\n'
                 f"{'x' * 5000}".encode())
    await writer.drain()
    writer.transport.abort()
    await settled(client)
    return await request("GET", "/prompt")(client)


async def settled(client: TestClient) -> None:
    """Wait until the server has closed every connection (and so finished with every request on them)."""
    runner = client.server.runner
    assert runner is not None and runner.server is not None
    server = runner.server
    await wait_until(lambda: asyncio.sleep(0, not server.connections), what="the server to close its connections")


CASES = [
    pytest.param(request("GET", "/view", params={"filename": LONG}), 414, id="view-filename"),
    pytest.param(request("GET", "/view", params={"filename": "x.png", "subfolder": LONG}), 414, id="view-subfolder"),
    pytest.param(request("GET", "/view", params={"filename": LONG_UTF8}), 414, id="view-utf8-bytes"),
    pytest.param(request("GET", "/view", params={"filename": "x.png", "subfolder": "/".join(["d" * 200] * 6)}), 414,
                 id="view-whole-name"),
    pytest.param(request("GET", f"/userdata/{LONG}"), 414, id="userdata-get"),
    pytest.param(request("POST", f"/userdata/{LONG}", data=b"{}"), 414, id="userdata-post"),
    pytest.param(request("DELETE", f"/userdata/workflows%2F{LONG}"), 414, id="userdata-delete"),
    pytest.param(request("POST", f"/userdata/a.json/move/{LONG}"), 414, id="userdata-move"),
    pytest.param(request("GET", "/userdata", params={"dir": LONG}), 414, id="userdata-list"),
    pytest.param(request("GET", f"/templates/{LONG}"), 414, id="templates"),
    pytest.param(request("GET", f"/extensions/edgepack/{LONG}.js"), 414, id="extensions"),
    pytest.param(request("GET", f"/extensions/edgepack/lib/{LONG}.js"), 414, id="extensions-nested"),
    pytest.param(upload("x.wav", subfolder=LONG), 400, id="upload-subfolder"),
    pytest.param(upload(f"{LONG_UTF8}.wav"), 200, id="upload-long-name-is-shortened"),
    pytest.param(multipart(b'--xx\r\nContent-Disposition: form-data; name="image"; filename="a\x00.png"\r\n\r\n'
                           b"abc\r\n--xx--\r\n"), 400, id="multipart-nul-in-part-header"),
    pytest.param(multipart(b"no boundary lines at all"), 400, id="multipart-no-boundary-lines"),
    pytest.param(multipart(b"--xx\r\nno colon in this header\r\n\r\nabc\r\n--xx--\r\n"), 400,
                 id="multipart-header-without-colon"),
    pytest.param(multipart(b'--xx\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nabc'), 400,
                 id="multipart-unterminated"),
    pytest.param(multipart(b'--xx\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
                           b"Content-Transfer-Encoding: bogus\r\n\r\nabc\r\n--xx--\r\n"), 400,
                 id="multipart-unknown-transfer-encoding"),
    pytest.param(multipart(b'--xx\r\nContent-Disposition: form-data; name="type"\r\n'
                           b"Content-Type: text/plain; charset=nope\r\n\r\nabc\r\n--xx--\r\n"), 400,
                 id="multipart-unknown-charset"),
    pytest.param(multipart(b'--xx\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc\r\n--xx--\r\n',
                           "/workflow/import"), 400, id="import-multipart-without-file"),
    pytest.param(request("POST", "/prompt", data=b'{"prompt": ' + b"7" * 5000 + b"}",
                         headers={"Content-Type": "application/json"}), 400, id="json-5000-digit-integer"),
    pytest.param(request("POST", "/queue", data=b'{"delete": [-' + b"1" * 4301 + b"]}",
                         headers={"Content-Type": "application/json"}), 400, id="json-4301-digit-negative"),
    pytest.param(raw("GET /prompt HTTP/1.1\r\nAuthorization: Bearer \xff"), 401, id="bearer-non-ascii-byte"),
    pytest.param(raw("GET /ws?token=%FF%FE HTTP/1.1"), 401, id="query-token-non-utf8"),
    pytest.param(raw(f"GET /prompt HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\xe9"), 401, id="bearer-token-and-more"),
    pytest.param(websocket_storm, 101, id="websocket-storm"),
    pytest.param(abandoned_upload, 200, id="upload-abandoned-half-way"),
]


@pytest.fixture
def app(make_app: Any, registry: graph.NodeRegistry, tmp_path: Path) -> Any:
    """An app with a token, its folders made, and a pack serving editor extensions."""
    for folder in ("output", "input", "temp", "user/workflows"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "user" / "a.json").write_text("{}")
    pack = tmp_path / "packs" / "edgepack"
    (pack / "web" / "lib").mkdir(parents=True)
    (pack / "__init__.py").write_text("WEB_DIRECTORY = 'web'\n")
    (pack / "web" / "x.js").write_text("export {}\n")
    return make_app(reports=load_packs(registry, PackOptions((tmp_path / "packs",))), token=TOKEN)


@pytest.mark.parametrize(("case", "expected"), CASES)
@run_async
async def test_what_once_crashed_is_a_client_error(app, caplog, tmp_path, case, expected):
    caplog.set_level(logging.WARNING)
    async with TestClient(EdgeTestServer(app), connector=aiohttp.TCPConnector(force_close=True)) as client:
        status = await case(client)
        await settled(client)
    assert status == expected
    assert status < 500
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], errors
    assert "Traceback" not in caplog.text
    stored = [p.name for p in (tmp_path / "input").iterdir()]
    assert all(len(name.encode()) <= 200 and name.endswith(".wav") for name in stored), stored
