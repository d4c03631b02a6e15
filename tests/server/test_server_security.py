"""Origin and Host checks, the token, the bind-address rule and path traversal through /view and /userdata."""

from __future__ import annotations

import logging
import os
from typing import Any

import aiohttp
import pytest
from serverkit import PREFIXES, finished, hello, run_async, serve

import graph.cli
import server
from webserver.keys import CONFIG

SECRET = b"TOPSECRET-outside-the-folders"
STATE_CHANGING = [(m, p) for m, p, _, _ in server.ROUTES if m in ("POST", "DELETE")]


def concrete(path: str) -> str:
    return (path.replace("{prompt_id}", "0" * 32).replace("{class}", "MathInt")
            .replace("{file}", "f.json").replace("{dest}", "g.json").replace("{id}", "Comfy.Zoom")
            .replace("{folder}", "world"))


async def status_of(client: Any, method: str, path: str, **kwargs: Any) -> int:
    response = await client.request(method, path, **kwargs)
    await response.read()
    return response.status


async def ws_status(client: Any, path: str, **kwargs: Any) -> int:
    """101 when the upgrade succeeds, else the refusal's status."""
    try:
        ws = await client.ws_connect(path, **kwargs)
    except aiohttp.WSServerHandshakeError as refused:
        return refused.status
    await ws.receive_json(timeout=5)
    await ws.close()
    return 101


# ---- Origin --------------------------------------------------------------------------------------
FOREIGN_ORIGINS = ["null", "http://evil.com", "http://evil.com:8188", "https://localhost.evil.com",
                   "http://127.0.0.1.evil.com", "file://", "http://evil.com/localhost", "chrome-extension://abc"]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
@run_async
async def test_foreign_origins_cannot_change_state(make_app, tmp_path, origin):
    async with serve(make_app()) as client:
        for prefix in PREFIXES:
            for method, path in STATE_CHANGING:
                got = await status_of(client, method, prefix + concrete(path), json={"prompt": hello()},
                                      headers={"Origin": origin})
                assert got == 403, (origin, method, path, got)
            assert await ws_status(client, f"{prefix}/ws?clientId=x", origin=origin) == 403
        queue = await (await client.get("/queue")).json()
        assert queue == {"queue_running": [], "queue_pending": []}, "a refused prompt was queued"
        assert not (tmp_path / "user" / "f.json").exists()


@run_async
async def test_same_origin_and_no_origin_are_accepted(make_app):
    async with serve(make_app()) as client:
        port = client.port
        for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://[::1]:{port}", None):
            headers = {"Origin": origin} if origin else {}
            response = await client.post("/prompt", json={"prompt": hello(seed=1)}, headers=headers)
            assert response.status == 200, (origin, await response.text())
            await finished(client, (await response.json())["prompt_id"])
            assert await ws_status(client, "/ws", **({"origin": origin} if origin else {})) == 101
        # reads need no Origin check: a browser cannot read a foreign answer anyway
        for method, path, _, _ in server.ROUTES:
            if method == "GET" and path != "/ws":
                assert await status_of(client, "GET", concrete(path)) in (200, 400, 404), path


# ---- Host (DNS rebinding) ------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["evil.com", "evil.com:8188", "localhost.evil.com", "127.0.0.1.nip.io:8188",
                                  "attacker.example:80", "192.168.1.20:8188", "0.0.0.0:8188", "[::2]:8188"])
@run_async
async def test_hosts_outside_the_allowed_set_are_refused(make_app, host):
    async with serve(make_app()) as client:
        for prefix in PREFIXES:
            for method, path, _, _ in server.ROUTES:
                if path == "/ws":
                    assert await ws_status(client, f"{prefix}/ws", headers={"Host": host}) == 403
                    continue
                got = await status_of(client, method, prefix + concrete(path), headers={"Host": host},
                                      json={"prompt": hello()})
                assert got == 403, (host, method, path, got)
            assert await status_of(client, "GET", f"{prefix}/openapi.json", headers={"Host": host}) == 403


@pytest.mark.parametrize("host", ["localhost", "localhost:8188", "127.0.0.1", "127.0.0.1:9", "[::1]", "[::1]:8188"])
@run_async
async def test_local_hosts_are_accepted(make_app, host):
    async with serve(make_app()) as client:
        assert await status_of(client, "GET", "/prompt", headers={"Host": host}) == 200
        assert await ws_status(client, "/ws", headers={"Host": host}) == 101


@run_async
async def test_extra_hosts_are_accepted(make_app):
    async with serve(make_app(extra_hosts=("wg.lan",))) as client:
        assert await status_of(client, "GET", "/prompt", headers={"Host": "wg.lan:8188"}) == 200
        assert await status_of(client, "GET", "/prompt", headers={"Host": "other.lan:8188"}) == 403
        same = {"Origin": "http://wg.lan:8188", "Host": "wg.lan:8188"}  # a page served by this server
        assert await status_of(client, "POST", "/interrupt", headers=same) == 200
        other_port = {"Origin": "http://wg.lan:5173", "Host": "wg.lan:8188"}
        assert await status_of(client, "POST", "/interrupt", headers=other_port) == 403


# ---- the token -----------------------------------------------------------------------------------
@run_async
async def test_every_route_needs_the_token(make_app, tmp_path):
    bearer = {"Authorization": "Bearer s3cret"}
    async with serve(make_app(token="s3cret")) as client:
        for prefix in PREFIXES:
            for method, path, _, _ in [*server.ROUTES, ("GET", "/openapi.json", None, "")]:
                url = prefix + concrete(path)
                if path == "/ws":
                    assert await ws_status(client, url) == 401
                    assert await ws_status(client, url + "?token=wrong") == 401
                    assert await ws_status(client, url, headers={"Authorization": "Bearer wrong"}) == 401
                    assert await ws_status(client, url + "?token=s3cret") == 101
                    assert await ws_status(client, url, headers=bearer) == 101
                    continue
                for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cre"},
                                {"Authorization": "Basic s3cret"}, {"Authorization": "Bearer "}):
                    got = await status_of(client, method, url, headers=headers, json={"prompt": hello()})
                    assert got == 401, (method, url, headers, got)
                got = await status_of(client, method, url, headers=bearer, json={})
                assert got not in (401, 403) and got < 500, (method, url, got)
        queue = await (await client.get("/queue", headers=bearer)).json()
        assert queue["queue_pending"] == [] and queue["queue_running"] == []

        accepted = await client.post("/prompt", json={"prompt": hello(seed=2)}, headers=bearer)
        assert accepted.status == 200
        prompt_id = (await accepted.json())["prompt_id"]
        refused = await client.get(f"/history/{prompt_id}")
        assert refused.status == 401
        assert "token" in (await refused.json())["error"]["message"]


@run_async
async def test_the_query_token_opens_only_the_websocket(make_app):
    """Browsers cannot give a WebSocket a header, so the sockets (/ws, /live) take ?token=; nothing else
    does (a token in a URL ends up in histories, Referers and logs)."""
    async with serve(make_app(token="s3cret")) as client:
        for prefix in PREFIXES:
            assert await ws_status(client, f"{prefix}/ws?token=s3cret") == 101
            assert await ws_status(client, f"{prefix}/live?token=s3cret") == 101
            for method, path, _, _ in [*server.ROUTES, ("GET", "/openapi.json", None, "")]:
                if path not in ("/ws", "/live"):
                    got = await status_of(client, method, prefix + concrete(path), params={"token": "s3cret"},
                                          json={"prompt": hello()})
                    assert got == 401, (method, path, got)
        assert await status_of(client, "GET", "/", params={"token": "s3cret"}) == 401
        queue = await (await client.get("/queue", headers={"Authorization": "Bearer s3cret"})).json()
        assert queue["queue_pending"] == [], "a prompt was queued with the token in its query"


@run_async
async def test_a_non_ascii_token_is_just_wrong(make_app):
    async with serve(make_app(token="s3cret")) as client:
        assert await ws_status(client, "/ws", params={"token": "é"}) == 401
        assert await ws_status(client, "/ws?token=%FF") == 401
        assert await status_of(client, "GET", "/prompt", headers={"Authorization": "Bearer é"}) == 401


@run_async
async def test_the_access_log_never_holds_the_token(make_app, caplog):
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    async with serve(make_app(token="s3cret")) as client:
        assert await ws_status(client, "/ws?clientId=a&token=s3cret") == 101
        assert await ws_status(client, "/api/ws?%74oken=s3cret&clientId=b") == 101  # "%74" is "t"
        assert await status_of(client, "GET", "/prompt?token=s3cret",
                               headers={"Referer": f"http://127.0.0.1:{client.port}/?token=s3cret"}) == 401
    lines = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert len(lines) == 3, lines
    assert all("s3cret" not in line for line in lines), lines
    assert "GET /ws?clientId=a&token=redacted HTTP/1.1" in lines[0], lines[0]
    assert "/api/ws?token=redacted&clientId=b" in lines[1] and " 101 " in lines[1], lines[1]
    assert "/?token=redacted" in lines[2] and " 401 " in lines[2], lines[2]


def test_config_check_refuses_open_binds_without_a_token():
    for host in ("0.0.0.0", "::", "192.168.1.20", "example.org"):
        with pytest.raises(SystemExit, match="token"):
            server.Config(host=host).check()
        server.Config(host=host, token="t").check()
        server.Config(host=host, insecure_no_token=True).check()
    for host in ("127.0.0.1", "localhost", "::1"):
        server.Config(host=host).check()


def test_serve_command_comes_from_the_entry_point(monkeypatch, tmp_path):
    started: list[dict[str, Any]] = []
    monkeypatch.delenv("WORLDGRAPH_TOKEN", raising=False)
    monkeypatch.setattr(server.edge, "run", lambda app: started.append(
        {"host": app[CONFIG].host, "port": app[CONFIG].port}))
    with pytest.raises(SystemExit, match="token"):
        graph.cli.main(["serve", "--host", "0.0.0.0", "--root", str(tmp_path)])
    assert started == []
    assert graph.cli.main(["serve", "--host", "0.0.0.0", "--root", str(tmp_path),
                           "--insecure-no-token-i-understand-anyone-can-run-code"]) == 0
    assert graph.cli.main(["serve", "--host", "0.0.0.0", "--port", "9999", "--root", str(tmp_path),
                           "--token", "t"]) == 0
    assert started == [{"host": "0.0.0.0", "port": 8188}, {"host": "0.0.0.0", "port": 9999}]
    monkeypatch.setenv("WORLDGRAPH_TOKEN", "from-env")
    assert graph.cli.main(["serve", "--host", "0.0.0.0", "--root", str(tmp_path)]) == 0


# ---- path traversal ------------------------------------------------------------------------------
@pytest.fixture
def planted(tmp_path):
    """A secret beside the served folders, and symlinks inside them that point at it."""
    (tmp_path / "secret.txt").write_bytes(SECRET)
    for folder in ("output", "input", "temp", "user/workflows"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "output" / "ok.txt").write_bytes(b"fine")
    os.symlink(tmp_path / "secret.txt", tmp_path / "output" / "link.txt")
    os.symlink(tmp_path, tmp_path / "output" / "linkdir")
    os.symlink(tmp_path / "secret.txt", tmp_path / "user" / "workflows" / "link.json")
    os.symlink(tmp_path, tmp_path / "user" / "workflows" / "linkdir")
    return tmp_path


VIEW_ATTACKS = [
    "filename=..", "filename=../secret.txt", "filename=..%2Fsecret.txt", "filename=%2e%2e%2fsecret.txt",
    "filename=%2E%2E/secret.txt", "filename=secret.txt&subfolder=..", "filename=secret.txt&subfolder=%2e%2e",
    "filename=secret.txt&subfolder=../output/..", "filename=ok.txt&subfolder=../output",
    "filename=/etc/passwd", "filename=%2Fetc%2Fpasswd", "filename=passwd&subfolder=/etc",
    "filename=passwd&subfolder=%2Fetc", "filename=..%5Csecret.txt", "filename=a%5C..%5C..%5Csecret.txt",
    "filename=secret.txt&subfolder=a%5C..%5C..", "filename=secret.txt%00.png", "filename=ok.txt%00",
    "filename=link.txt", "filename=secret.txt&subfolder=linkdir", "filename=secret.txt&type=..",
    "filename=secret.txt&type=../output", "filename=secret.txt&type=cache", "filename=secret.txt&type=",
    "filename=output/../../secret.txt&type=output", "filename=....//secret.txt",
]


@pytest.mark.parametrize("query", VIEW_ATTACKS)
@run_async
async def test_view_never_leaves_its_folders(make_app, planted, query):
    async with serve(make_app()) as client:
        for prefix in PREFIXES:
            response = await client.get(f"{prefix}/view?{query}")
            body = await response.read()
            assert 400 <= response.status < 500, (query, response.status)
            assert SECRET not in body and b"root:" not in body
        assert (await client.get("/view?filename=ok.txt")).status == 200


USERDATA_ATTACKS = [
    "..", "..%2Fsecret.txt", "%2e%2e%2fsecret.txt", "%2E%2E%2Fsecret.txt", "workflows%2F..%2F..%2Fsecret.txt",
    "%2Fetc%2Fpasswd", "..%5Csecret.txt", "a%5C..%5C..%5Csecret.txt", "secret.txt%00", "workflows%2Flink.json",
    "workflows%2Flinkdir%2Fsecret.txt", "%2e%2e", ".%2F..%2Fsecret.txt",
]


@pytest.mark.parametrize("name", USERDATA_ATTACKS)
@run_async
async def test_userdata_never_leaves_its_folder(make_app, planted, name):
    async with serve(make_app()) as client:
        for prefix in PREFIXES:
            got = await client.get(f"{prefix}/userdata/{name}")
            body = await got.read()
            if got.url.path != "/":  # the client itself may fold "/userdata/.." into "/": the landing page
                assert 400 <= got.status < 500, (name, got.status)
            assert SECRET not in body and b"root:" not in body

            wrote = await client.post(f"{prefix}/userdata/{name}", data=b"overwritten")
            assert 400 <= wrote.status < 500, (name, wrote.status)
            deleted = await client.delete(f"{prefix}/userdata/{name}")
            assert 400 <= deleted.status < 500, (name, deleted.status)
            moved_out = await client.post(f"{prefix}/userdata/{name}/move/stolen.txt")
            assert 400 <= moved_out.status < 500, (name, moved_out.status)
            (planted / "user" / "workflows" / "mine.json").write_bytes(b"{}")
            moved_in = await client.post(f"{prefix}/userdata/workflows%2Fmine.json/move/{name}",
                                         params={"overwrite": "true"})
            assert 400 <= moved_in.status < 500, (name, moved_in.status)
        assert (planted / "secret.txt").read_bytes() == SECRET
        assert not (planted / "user" / "stolen.txt").exists()
        expected = {"secret.txt", "output", "input", "temp", "user", "state"}
        assert {p.name for p in planted.iterdir()} - {"cache"} == expected


@pytest.mark.parametrize("folder", ["..", "..%2F..", "%2e%2e", "%2E%2E%2F", "%2Fetc", "%2F", "workflows%2F..%2F..",
                                    "a%5C..%5C..", "x%00", "workflows/linkdir"])
@run_async
async def test_userdata_listing_never_leaves_its_folder(make_app, planted, folder):
    async with serve(make_app()) as client:
        for prefix in PREFIXES:
            response = await client.get(f"{prefix}/userdata?dir={folder}")
            assert 400 <= response.status < 500, (folder, response.status)
            assert b"secret.txt" not in await response.read()


@run_async
async def test_userdata_listing_does_not_follow_symlinks_out(make_app, planted):
    async with serve(make_app()) as client:
        listed = await (await client.get("/userdata", params={"dir": "workflows"})).json()
        assert not any("secret.txt" in name for name in listed), listed
        assert "link.json" not in listed or (await client.get("/userdata/workflows%2Flink.json")).status == 400


@run_async
async def test_refused_requests_do_not_run_anything(make_app, planted):
    """A traversal attempt inside a prompt (SaveImage prefix) is caught by validation or at run time."""
    async with serve(make_app()) as client:
        response = await client.post("/prompt", json={"prompt": hello(prefix="../../escaped")})
        if response.status == 200:
            body = await response.json()
            entry = await finished(client, body["prompt_id"])
            assert entry["status"]["status_str"] == "error"
        else:
            assert response.status == 400
        assert [p for p in planted.rglob("escaped*")] == []


@run_async
async def test_another_scheme_is_a_foreign_origin(make_app):
    """An https page on this host and port is another origin than this http server (and might be anyone's)."""
    async with serve(make_app()) as client:
        for host in ("localhost", "127.0.0.1", "[::1]"):
            origin = f"https://{host}:{client.port}"
            assert await status_of(client, "POST", "/interrupt", headers={"Origin": origin}) == 403, origin
            assert await ws_status(client, "/ws", origin=origin) == 403, origin
            same = f"http://{host}:{client.port}"
            assert await status_of(client, "POST", "/interrupt", headers={"Origin": same}) == 200, same


@run_async
async def test_another_local_port_is_a_foreign_origin(make_app):
    async with serve(make_app()) as client:
        other = client.port + 1 if client.port < 65535 else client.port - 1
        for origin in (f"http://localhost:{other}", f"http://127.0.0.1:{other}"):
            assert await status_of(client, "POST", "/interrupt", headers={"Origin": origin}) == 403, origin
            assert await ws_status(client, "/ws", origin=origin) == 403, origin
