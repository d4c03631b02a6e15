"""``GET /ws``: the WebSocket of execution events; the hub (``worker``) sends, this handler only greets and
keeps the connection registered until it closes.
"""

from __future__ import annotations

import asyncio
import secrets

from aiohttp import WSMsgType, web

from webserver import protocol
from webserver.keys import HUB, WORKER
from webserver.routing import Route


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=1 << 20, heartbeat=30.0)
    await ws.prepare(request)
    client_id = request.query.get("clientId") or secrets.token_hex(8)
    hub = request.app[HUB]
    hub.clients.setdefault(client_id, set()).add(ws)
    remaining = await asyncio.to_thread(request.app[WORKER].queue_remaining)
    await ws.send_json(protocol.status(remaining, sid=client_id))
    try:
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
    finally:
        hub.clients.get(client_id, set()).discard(ws)
    return ws


ROUTES = [Route("GET", "/ws", websocket, "WebSocket of execution events (clientId=...)")]
