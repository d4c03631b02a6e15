"""Response headers: every response is taken as the type it says and framed by this server's pages only; a
user's file (``/view``, ``/userdata``) is sandboxed, and served as a download unless it only displays."""

from __future__ import annotations

import pytest
from serverkit import PREFIXES, run_async, serve

from webserver.headers import FILE_POLICY, PAGE_POLICY

ACTIVE = {"page.html": b"<script>alert(document.domain)</script>", "drawing.svg": b'<svg onload="alert(1)"/>',
          "feed.xml": b"<x/>", "code.js": b"alert(1)", "page.xhtml": b"<html/>", "blob.bin": b"\x00\x01",
          "noextension": b"<script>alert(1)</script>"}
PASSIVE = {"frame.png": b"\x89PNG\r\n\x1a\n", "photo.jpg": b"\xff\xd8\xff", "clip.mp4": b"\x00\x00\x00\x18ftypmp42",
           "clip.webm": b"\x1aE\xdf\xa3", "sound.wav": b"RIFF....WAVE", "notes.txt": b"hello", "flow.json": b"{}"}


@pytest.fixture
def files(tmp_path):
    for folder in ("output", "user/workflows"):
        (tmp_path / folder).mkdir(parents=True)
        for name, data in {**ACTIVE, **PASSIVE}.items():
            (tmp_path / folder / name).write_bytes(data)
    return tmp_path


@pytest.mark.parametrize("prefix", PREFIXES)
@run_async
async def test_a_users_files_are_sandboxed_and_active_ones_downloaded(make_app, files, prefix):
    async with serve(make_app()) as client:
        for name, data in {**ACTIVE, **PASSIVE}.items():
            for url in (f"{prefix}/view?filename={name}", f"{prefix}/userdata/workflows%2F{name}"):
                response = await client.get(url)
                assert response.status == 200 and await response.read() == data, url
                assert response.headers["X-Content-Type-Options"] == "nosniff", url
                assert response.headers.getall("Content-Security-Policy") == [FILE_POLICY], url
                disposition = response.headers.get("Content-Disposition", "")
                if name in ACTIVE:
                    assert disposition == f"attachment; filename*=UTF-8''{name}", (url, disposition)
                else:
                    assert not disposition, (url, disposition)  # shows inline, in <img>, <video> and <audio>
        ranged = await client.get(f"{prefix}/view?filename=clip.mp4", headers={"Range": "bytes=0-3"})
        assert ranged.status == 206 and ranged.headers["Content-Security-Policy"] == FILE_POLICY


def test_the_file_policy_sandboxes_and_runs_nothing():
    directives = {name: value for name, _, value in (part.strip().partition(" ") for part in FILE_POLICY.split(";"))}
    assert directives["sandbox"] == ""  # no allow-scripts, no allow-same-origin
    assert directives["default-src"] == "'none'"
    assert "script-src" not in directives and "object-src" not in directives


@run_async
async def test_every_other_response_is_nosniff_and_framed_only_by_this_server(make_app):
    async with serve(make_app()) as client:
        for path in ("/", "/prompt", "/api/object_info", "/openapi.json", "/templates", "/no/such/route",
                     "/view?filename=missing.png"):
            response = await client.get(path)
            await response.read()
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            assert response.headers.getall("Content-Security-Policy") == [PAGE_POLICY], path
        refused = await client.post("/prompt", data=b"[", headers={"Content-Type": "application/json"})
        assert refused.status == 400 and refused.headers["X-Content-Type-Options"] == "nosniff"
