"""What the server is and holds: versions and memory, features, the node library and socket types, custom node
packs and their editor extensions, the OpenAPI document of the route table, and the editor's built page.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path
from typing import Any

from aiohttp import web

from graph import PathOutsideFolder
from graph.comfy.object_info import node_info, object_info
from graph.packs import content_type, extension_file, listing, scripts
from webserver.config import VERSION
from webserver.keys import EXECUTOR, PACKS, ROUTE_TABLE
from webserver.protocol import respond
from webserver.routing import Route
from webserver.security import MAX_BODY, STATE_CHANGING, check_name, error

EDITOR = Path(__file__).resolve().parents[2] / "frontend" / "dist"
_LANDING = """<!doctype html><meta charset="utf-8"><title>Worldgraph</title>
<h1>Worldgraph</h1><p>The editor is not built here. The API is at <a href="/openapi.json">/openapi.json</a>
(<code>POST /prompt</code>, <code>GET /ws</code>, ...).</p>"""


# ---- the node library ------------------------------------------------------------------------------
async def get_object_info(request: web.Request) -> web.Response:
    return respond(object_info(request.app[EXECUTOR].registry))


async def get_object_info_one(request: web.Request) -> web.Response:
    registry = request.app[EXECUTOR].registry
    name = request.match_info["class"]
    if name not in registry:
        raise error(404, f"unknown node class {name!r}{registry.suggest(name)}")
    return respond({name: node_info(registry, name)})


async def get_socket_types(request: web.Request) -> web.Response:
    return respond(request.app[EXECUTOR].registry.types.describe())


# ---- custom node packs and their editor extensions ----------------------------------------------
async def get_custom_nodes(request: web.Request) -> web.Response:
    return respond(listing(request.app[PACKS].reports))


async def get_extensions(request: web.Request) -> web.Response:
    return respond(scripts(request.app[PACKS].reports))


async def get_extension_file(request: web.Request) -> web.StreamResponse:
    check_name(request.match_info["file"])
    try:
        path = extension_file(request.app[PACKS].reports, request.match_info["pack"],
                              request.match_info["file"])
    except PathOutsideFolder as refused:
        raise error(400, str(refused)) from None
    except FileNotFoundError as missing:
        raise error(404, str(missing)) from None
    return web.FileResponse(path, headers={"Content-Type": content_type(path), "Cache-Control": "no-cache"})


# ---- the machine and the server --------------------------------------------------------------------
def _memory() -> tuple[int, int]:
    """(total, available) bytes from /proc/meminfo (0, 0 where there is none)."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
        return int(fields["MemTotal"].split()[0]) * 1024, int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return 0, 0


async def get_system_stats(request: web.Request) -> web.Response:
    total, free = _memory()
    return respond({
        "system": {"os": platform.system().lower(), "python_version": platform.python_version(),
                   "worldgraph_version": VERSION, "embedded_python": False, "ram_total": total, "ram_free": free,
                   "cpu_count": os.cpu_count()},
        "devices": [{"name": "cpu", "type": "cpu", "index": 0, "vram_total": 0, "vram_free": 0}],
    })


async def get_features(request: web.Request) -> web.Response:
    return respond({"supports_preview_metadata": False, "max_upload_size": MAX_BODY,
                    "embedded_workflows": True, "segment_cache": True})


async def openapi(request: web.Request) -> web.Response:
    """The route table the app was mounted with, as an OpenAPI document."""
    paths: dict[str, Any] = {}
    for method, path, _, summary in request.app[ROUTE_TABLE]:
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in re.findall(r"{(\w+)}", path)]
        operation: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "OK"}}}
        if parameters:
            operation["parameters"] = parameters
        if method in STATE_CHANGING and path in ("/prompt", "/queue", "/history", "/interrupt"):
            operation["requestBody"] = {"content": {"application/json": {"schema": {"type": "object"}}}}
        paths.setdefault(path, {})[method.lower()] = operation
    return respond({"openapi": "3.0.3", "info": {"title": "Worldgraph", "version": VERSION}, "paths": paths})


# ---- the editor ----------------------------------------------------------------------------------------
async def index(request: web.Request) -> web.StreamResponse:
    """The editor's built page, or a short page pointing at the API when there is none."""
    page = EDITOR / "index.html"
    if page.is_file():
        return web.FileResponse(page)
    return web.Response(text=_LANDING, content_type="text/html")


def add_editor(app: web.Application) -> None:
    """The editor's page at ``/`` and its built assets at ``/assets`` (when it is built)."""
    app.router.add_get("/", index)
    if (EDITOR / "assets").is_dir():
        app.router.add_static("/assets", EDITOR / "assets")


ROUTES = [
    Route("GET", "/object_info", get_object_info, "Every node class"),
    Route("GET", "/object_info/{class}", get_object_info_one, "One node class"),
    Route("GET", "/socket_types", get_socket_types, "Socket types: description, colour, whether a widget can hold one"),
    Route("GET", "/custom_nodes", get_custom_nodes,
          "Custom node packs: status, errors, nodes, load times, requirements"),
    Route("GET", "/extensions", get_extensions, "URLs of the editor extension scripts of loaded packs"),
    Route("GET", "/extensions/{pack}/{file}", get_extension_file,
          "A file of a pack's WEB_DIRECTORY (nested paths too: /extensions/{pack}/dir/file.js)"),
    Route("GET", "/system_stats", get_system_stats, "Versions and memory"),
    Route("GET", "/features", get_features, "What this server supports"),
    Route("GET", "/openapi.json", openapi, "This document"),
]
#: mounted but not documented: the pattern that lets an extension file lie in a subfolder of its pack
NESTED_EXTENSION_FILES = Route("GET", "/extensions/{pack:[^/]+}/{file:.+}", get_extension_file, "")
