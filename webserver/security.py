"""What every request passes through: the Host, Origin and token checks, the error middleware, and the limits
on requests (body size, standard JSON nested at most so deep); ``inside()`` keeps a client's file name in its
folder. ``error()`` is the one way handlers refuse a request (a JSON body that says why).
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
import sys
from pathlib import Path
from typing import Any, NoReturn

from aiohttp import web

from graph import PathOutsideFolder
from graph.paths import resolve_inside
from webserver import protocol
from webserver.keys import CONFIG
from webserver.routing import Handler

log = logging.getLogger("worldgraph.server")
MAX_BODY = 64 * 2**20
MAX_JSON_DEPTH = 64
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@web.middleware
async def security(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Host allow-list (DNS rebinding), Origin check on state changes and WebSocket upgrades, token."""
    config = request.app[CONFIG]
    netloc = (request.host or "").lower()
    if _hostname(netloc) not in config.allowed_hosts:
        raise error(403, f"host {request.host!r} is not allowed")
    origin = request.headers.get("Origin")
    upgrading = request.headers.get("Upgrade", "").lower() == "websocket"
    if origin is not None and (request.method in STATE_CHANGING or upgrading):
        match = re.fullmatch(r"https?://([^/]+)", origin.lower())
        if match is None or not _same_server(_with_port(match.group(1), origin), _with_port(netloc, str(request.url)),
                                             config.allowed_hosts):
            raise error(403, f"requests from origin {origin!r} are refused (only this server's own pages)")
    if config.token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or \
            request.query.get("token", "")
        if not secrets.compare_digest(given.encode(), config.token.encode()):
            raise error(401, "a valid token is required (Authorization: Bearer <token>)")
    return await handler(request)


def _hostname(netloc: str) -> str:
    """``"[::1]:8188"`` -> ``"[::1]"``, ``"localhost:8188"`` -> ``"localhost"``."""
    if netloc.startswith("["):
        return netloc.split("]", 1)[0] + "]"
    return netloc.rsplit(":", 1)[0] if ":" in netloc else netloc


def _same_server(origin: str, server: str, allowed: set[str]) -> bool:
    """An origin is this server when it names one of the server's own host names and its port."""
    return origin.rsplit(":", 1)[1] == server.rsplit(":", 1)[1] and origin.rsplit(":", 1)[0] in allowed


def _with_port(netloc: str, url: str) -> str:
    """``netloc`` with its port made explicit (80/443 by scheme), for same-origin comparison."""
    host = _hostname(netloc)
    port = netloc[len(host) + 1:] if len(netloc) > len(host) else ("443" if url.startswith("https") else "80")
    return f"{host}:{port}"


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:  # never crash the server: report and carry on
        log.exception("unhandled error in %s %s", request.method, request.path)
        return protocol.respond({"error": {"type": "internal", "message": "internal error; see the server log"}},
                                status=500)


def error(status: int, message: str, **extra: Any) -> web.HTTPException:
    """The exception a handler raises to refuse a request: ``{"error": {"message": ..., **extra}}``."""
    body = protocol.dumps({"error": {"message": message, **extra}})
    classes = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden, 404: web.HTTPNotFound,
               409: web.HTTPConflict, 413: web.HTTPRequestEntityTooLarge, 429: web.HTTPTooManyRequests}
    if status == 413:
        return web.HTTPRequestEntityTooLarge(MAX_BODY, MAX_BODY + 1, text=body, content_type="application/json")
    return classes[status](text=body, content_type="application/json")


def _depth(value: Any) -> int:
    """Nesting depth of a JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON (JSON numbers are finite; send null or a string)")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"the number {text[:40]} is beyond the range of a 64-bit float")
    return number


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > sys.get_int_max_str_digits():
        raise ValueError(f"an integer of {digits} digits is too long (at most {sys.get_int_max_str_digits()})")
    return int(text)


async def read_json(request: web.Request) -> Any:
    """The request's JSON body (``{}`` when empty). Refused with a 400 that says why: a body that is not
    standard JSON (``NaN`` and ``Infinity`` are not JSON, nor can numbers beyond a float's range or integers
    over 4300 digits be read), or one nested too deep; a 413: one too large."""
    try:
        text = await request.text()
    except (UnicodeDecodeError, LookupError) as refused:
        raise error(400, f"the body is not text in a known encoding: {refused}") from None
    if len(text) > MAX_BODY:
        raise error(413, "request body too large")
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite, parse_int=_integer) if text else {}
    except (ValueError, RecursionError) as refused:  # JSONDecodeError is a ValueError
        raise error(400, f"the body is not valid JSON: {refused}") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise error(400, f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def inside(folder: Path, name: str) -> Path:
    """``name`` resolved inside ``folder``; a name that would leave it is a 400."""
    try:
        return resolve_inside(folder, name)
    except PathOutsideFolder as refused:
        raise error(400, str(refused)) from None
