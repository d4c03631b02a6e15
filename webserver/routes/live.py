"""``GET /live``: a live session on a WebSocket (``webserver.live``; the protocol is in ``docs/live.md``)."""

from __future__ import annotations

from aiohttp import web

from webserver.keys import LIVE
from webserver.routing import Route


async def live_socket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=1 << 20, heartbeat=30.0)
    await ws.prepare(request)
    try:
        await request.app[LIVE].serve(ws)
    except (ConnectionResetError, TimeoutError):  # the client left, or never said what to play
        pass
    finally:
        await ws.close()
    return ws


ROUTES = [Route("GET", "/live", live_socket, "WebSocket of a live session: play a node's world (docs/live.md)")]
