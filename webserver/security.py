"""What every request passes through: the Host, Origin and token checks, the error middleware, and the limits
on requests (body size, standard JSON nested at most so deep, name lengths); ``inside()`` keeps a client's file
name in its folder. ``error()`` is the one way handlers refuse a request (a JSON body that says why).
"""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path
from typing import Any

from aiohttp import web

from graph import PathOutsideFolder, jsontext
from graph.paths import resolve_inside
from webserver import protocol
from webserver.keys import CONFIG
from webserver.routing import PREFIXES, Handler

log = logging.getLogger("worldgraph.server")
MAX_BODY = 64 * 2**20
MAX_JSON_DEPTH = jsontext.MAX_DEPTH
#: bytes of one part of a file name (what Linux, macOS and Windows hold) and of a whole relative name
MAX_NAME_PART = 255
MAX_NAME = 1024
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
#: where the token may come as ``?token=``: the WebSockets, as browsers cannot give them a header
QUERY_TOKEN_PATHS = {prefix + path for prefix in PREFIXES for path in ("/ws", "/live")}
DEFAULT_PORTS = {"http": "80", "https": "443"}
_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden, 404: web.HTTPNotFound,
    408: web.HTTPRequestTimeout, 409: web.HTTPConflict, 414: web.HTTPRequestURITooLong,
    429: web.HTTPTooManyRequests, 503: web.HTTPServiceUnavailable}


@web.middleware
async def security(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Host allow-list (DNS rebinding), Origin check on state changes and WebSocket upgrades, token."""
    config = request.app[CONFIG]
    netloc = (request.host or "").lower()
    if _hostname(netloc) not in config.allowed_hosts:
        raise error(403, f"host {request.host!r} is not allowed")
    origin = request.headers.get("Origin")
    upgrading = request.headers.get("Upgrade", "").lower() == "websocket"
    if origin is not None and (request.method in STATE_CHANGING or upgrading) and \
            not _same_origin(origin.lower(), request.scheme, netloc, config.allowed_hosts):
        raise error(403, f"requests from origin {origin!r} are refused (only this server's own pages)")
    if config.token and not secrets.compare_digest(_token(request), config.token.encode()):
        raise error(401, "a valid token is required (Authorization: Bearer <token>; on /ws also ?token=<token>)")
    return await handler(request)


def _token(request: web.Request) -> bytes:
    """The token a request carries (``Authorization: Bearer``, or ``?token=`` on the WebSocket), as bytes:
    whatever a client sends compares, non-ASCII too."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    given = credentials.strip() if scheme.lower() == "bearer" else ""
    if not given and request.path in QUERY_TOKEN_PATHS:
        given = request.query.get("token", "")
    return given.encode("utf-8", "surrogatepass")


def _hostname(netloc: str) -> str:
    """``"[::1]:8188"`` -> ``"[::1]"``, ``"localhost:8188"`` -> ``"localhost"``."""
    if netloc.startswith("["):
        return netloc.split("]", 1)[0] + "]"
    return netloc.rsplit(":", 1)[0] if ":" in netloc else netloc


def _same_origin(origin: str, scheme: str, netloc: str, allowed: set[str]) -> bool:
    """Whether ``origin`` is this server as the request reached it (``scheme://netloc``): the same scheme and
    port, and one of the server's own host names."""
    match = re.fullmatch(r"(https?)://([^/?#@]+)", origin)
    if match is None or match.group(1) != scheme:
        return False
    (host, port), (_, own_port) = _host_and_port(match.group(2), scheme), _host_and_port(netloc, scheme)
    return port == own_port and host in allowed


def _host_and_port(netloc: str, scheme: str) -> tuple[str, str]:
    """``("localhost", "8188")`` for ``"localhost:8188"``; the scheme's port where ``netloc`` names none."""
    host = _hostname(netloc)
    return host, netloc[len(host) + 1:] or DEFAULT_PORTS.get(scheme, "")


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except ConnectionResetError:  # the client left mid-request: nobody reads an answer
        log.info("the client closed its connection during %s %s", request.method, request.path)
        return web.Response(status=499, reason="Client Closed Request")
    except Exception:  # never crash the server: report and carry on
        log.exception("unhandled error in %s %s", request.method, request.path)
        return protocol.respond({"error": {"type": "internal", "message": "internal error; see the server log"}},
                                status=500)


def error(status: int, message: str, comfy_shape: bool = False, **extra: Any) -> web.HTTPException:
    """The exception a handler raises to refuse a request: ``{"error": {"message": ..., **extra}}``, or
    ComfyUI's ``{"error": message}`` (``comfy_shape``, for the routes ComfyUI answers that way)."""
    body = protocol.dumps({"error": message} if comfy_shape else {"error": {"message": message, **extra}})
    if status == 413:
        return web.HTTPRequestEntityTooLarge(MAX_BODY, MAX_BODY + 1, text=body, content_type="application/json")
    return _ERRORS[status](text=body, content_type="application/json")


async def read_text(request: web.Request) -> str:
    """The request's body as text; a body too large or not text is refused."""
    try:
        text = await request.text()
    except (UnicodeDecodeError, LookupError) as refused:
        raise error(400, f"the body is not text in a known encoding: {refused}") from None
    if len(text) > MAX_BODY:
        raise error(413, "request body too large")
    return text


async def read_json(request: web.Request) -> Any:
    """The request's JSON body (``{}`` when empty). Refused with a 400 that says why: a body that is not
    standard JSON (``graph.jsontext``: no ``NaN`` or ``Infinity``, numbers within a float's range, integers of
    at most 4300 digits) or one nested deeper than ``MAX_JSON_DEPTH``; a 413: one too large."""
    text = await read_text(request)
    try:
        return jsontext.loads(text, MAX_JSON_DEPTH) if text else {}
    except jsontext.JsonRefused as refused:
        raise error(400, f"the body is refused: {refused}") from None


def check_name(name: str, status: int = 414) -> None:
    """Refuse a file name no filesystem holds: a part over ``MAX_NAME_PART`` bytes, or ``MAX_NAME`` in all
    (414, for a name in the URL; a form field's is a 400)."""
    encoded = name.encode("utf-8", "surrogatepass")
    longest = max(len(part) for part in re.split(rb"[/\\]", encoded))
    if longest > MAX_NAME_PART or len(encoded) > MAX_NAME:
        shown = name if len(name) <= 40 else name[:40] + "..."
        raise error(status, f"the file name {shown!r} is too long: {len(encoded)} bytes, its longest part "
                            f"{longest} (at most {MAX_NAME_PART} a part, {MAX_NAME} in all)")


def inside(folder: Path, name: str) -> Path:
    """``name`` resolved inside ``folder``; a name that would leave it is a 400, one too long a 414."""
    check_name(name)
    try:
        return resolve_inside(folder, name)
    except PathOutsideFolder as refused:
        raise error(400, str(refused)) from None
