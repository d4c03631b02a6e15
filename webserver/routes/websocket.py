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
    client_id = request.query.get("clientId") or secrets.token_hex(8)
    hub = request.app[HUB]
    await ws.prepare(request)  # a client already gone raises: the error middleware answers nobody
    try:
        remaining = await asyncio.to_thread(request.app[WORKER].queue_remaining)
        # registered and greeted with nothing awaited between: no broadcast can come before the greeting
        hub.clients.setdefault(client_id, set()).add(ws)
        await ws.send_json(protocol.status(remaining, sid=client_id))
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
    except ConnectionResetError:  # the client left before its greeting: nothing to say to it
        pass
    finally:
        owned = hub.clients.get(client_id, set())
        owned.discard(ws)
        if not owned:
            hub.clients.pop(client_id, None)
    return ws


ROUTES = [Route("GET", "/ws", websocket, "WebSocket of execution events (clientId=...)")]
