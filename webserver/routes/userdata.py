"""Saved workflows under ROOT/user: list, read, write atomically, delete and rename (ComfyUI's /userdata)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from aiohttp import web

from graph.files import atomic_write_bytes
from webserver.headers import user_file
from webserver.keys import CONFIG
from webserver.protocol import respond
from webserver.routing import Route
from webserver.security import error, inside


def _userdata_path(request: web.Request, name: str) -> Path:
    return inside(request.app[CONFIG].root / "user", name)


async def list_userdata(request: web.Request) -> web.Response:
    base = _userdata_path(request, request.query.get("dir", "workflows") or "workflows")
    if not base.is_dir():
        return respond([])
    files = sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file() and not p.name.startswith("."))
    return respond(files)


async def get_userdata(request: web.Request) -> web.StreamResponse:
    path = _userdata_path(request, request.match_info["file"])
    if not path.is_file():
        raise error(404, "no such file")
    return user_file(path)


async def put_userdata(request: web.Request) -> web.Response:
    path = _userdata_path(request, request.match_info["file"])
    if path.exists() and request.query.get("overwrite", "true").lower() == "false":
        raise error(409, f"{request.match_info['file']!r} exists; pass overwrite=true to replace it")
    data = await request.read()
    try:
        await asyncio.to_thread(atomic_write_bytes, path, data)
    except OSError as failed:  # a folder in the way, a file where a folder should be...
        raise error(409, f"cannot write {request.match_info['file']!r}: {failed.strerror or failed}") from None
    return respond({"path": request.match_info["file"], "size": len(data)})


async def delete_userdata(request: web.Request) -> web.Response:
    path = _userdata_path(request, request.match_info["file"])
    if not path.is_file():
        raise error(404, "no such file")
    path.unlink()
    return respond({"deleted": request.match_info["file"]})


async def move_userdata(request: web.Request) -> web.Response:
    source = _userdata_path(request, request.match_info["file"])
    target = _userdata_path(request, request.match_info["dest"])
    if not source.is_file():
        raise error(404, "no such file")
    if target.exists() and request.query.get("overwrite", "false").lower() != "true":
        raise error(409, f"{request.match_info['dest']!r} exists; pass overwrite=true to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    except OSError as failed:  # a folder in the way, a file where a folder should be...
        raise error(409, f"cannot move to {request.match_info['dest']!r}: {failed.strerror or failed}") from None
    return respond({"path": request.match_info["dest"]})


ROUTES = [
    Route("GET", "/userdata", list_userdata, "Saved workflow files (dir=workflows)"),
    Route("GET", "/userdata/{file}", get_userdata, "Read a saved file"),
    Route("POST", "/userdata/{file}", put_userdata, "Write a saved file atomically (overwrite=false refuses)"),
    Route("DELETE", "/userdata/{file}", delete_userdata, "Delete a saved file"),
    Route("POST", "/userdata/{file}/move/{dest}", move_userdata, "Rename a saved file"),
]
