"""What ComfyUI's frontend and packs ask a server for besides prompts: the user's settings (kept in
``ROOT/user/comfy.settings.json``, written atomically), the user list of a single-user server, translations, and
the v2 listing of user files."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

from aiohttp import web

from graph.files import atomic_write_text
from webserver.keys import CONFIG
from webserver.protocol import respond
from webserver.routing import Route
from webserver.security import error, inside, read_json

SETTINGS_FILE = "comfy.settings.json"
_WRITING = threading.Lock()  # one read-modify-write of the settings file at a time


def _settings_path(request: web.Request) -> Path:
    return request.app[CONFIG].root / "user" / SETTINGS_FILE


def _read_settings(path: Path) -> dict[str, Any]:
    """The saved settings; a missing file is none, a damaged one is refused rather than overwritten."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as damaged:
        raise error(409, f"{SETTINGS_FILE} cannot be read ({damaged}); fix or remove it") from None
    if not isinstance(saved, dict):
        raise error(409, f"{SETTINGS_FILE} does not hold an object; fix or remove it")
    return saved


def _update_settings(path: Path, changes: dict[str, Any]) -> None:
    with _WRITING:
        settings = _read_settings(path) | changes
        atomic_write_text(path, json.dumps(settings, indent=2, sort_keys=True))


async def get_settings(request: web.Request) -> web.Response:
    return respond(await asyncio.to_thread(_read_settings, _settings_path(request)))


async def post_settings(request: web.Request) -> web.Response:
    changes = await read_json(request)
    if not isinstance(changes, dict):
        raise error(400, "settings are a JSON object of setting id -> value")
    await asyncio.to_thread(_update_settings, _settings_path(request), changes)
    return respond({})


async def get_setting(request: web.Request) -> web.Response:
    settings = await asyncio.to_thread(_read_settings, _settings_path(request))
    return respond(settings.get(request.match_info["id"]))


async def post_setting(request: web.Request) -> web.Response:
    value = await read_json(request)
    await asyncio.to_thread(_update_settings, _settings_path(request), {request.match_info["id"]: value})
    return respond({})


async def get_users(request: web.Request) -> web.Response:
    return respond({"storage": "server", "migrated": True})  # one user: ComfyUI's single-user answer


async def get_i18n(request: web.Request) -> web.Response:
    return respond({})  # the editor and its packs ship no translations yet: every locale falls back to English


async def list_userdata_v2(request: web.Request) -> web.Response:
    """The files and folders directly in ``path`` under ROOT/user, as ComfyUI's v2 listing shows them."""
    relative = request.query.get("path", "").strip("/")
    base = inside(request.app[CONFIG].root / "user", relative) if relative else request.app[CONFIG].root / "user"
    if not base.is_dir():
        return respond([])
    entries = []
    for child in sorted(base.iterdir()):
        if child.name.startswith("."):
            continue
        info = child.stat()
        entry = {"name": child.name, "path": f"{relative}/{child.name}" if relative else child.name,
                 "type": "directory" if child.is_dir() else "file", "modified": info.st_mtime}
        if child.is_file():
            entry["size"] = info.st_size
        entries.append(entry)
    return respond(entries)


ROUTES = [
    Route("GET", "/settings", get_settings, "The user's settings (setting id -> value)"),
    Route("POST", "/settings", post_settings, "Save some settings (a JSON object), keeping the others"),
    Route("GET", "/settings/{id}", get_setting, "One setting's value (null when unset)"),
    Route("POST", "/settings/{id}", post_setting, "Save one setting (the body is its JSON value)"),
    Route("GET", "/users", get_users, "The users of this server (one: it is single-user)"),
    Route("GET", "/i18n", get_i18n, "Translations by locale (none yet)"),
    Route("GET", "/v2/userdata", list_userdata_v2, "Files and folders directly in 'path' under the user folder"),
]
