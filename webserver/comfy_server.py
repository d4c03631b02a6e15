"""ComfyUI's ``server.PromptServer`` for packs written for ComfyUI (``from server import PromptServer``).

``server`` is Worldgraph's own entry module; its ``__getattr__`` answers ``PromptServer`` and
``BinaryEventTypes`` from here. ``PromptServer.instance.routes`` collects a pack's routes; ``create_app`` adds
them to the app (at ``/`` and ``/api/``), behind the same middlewares as every route (origin, host, token).
``send_sync`` from a running node reaches the client that queued its job; from elsewhere in the server, every
client (or the one named).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from aiohttp import web

from graph.comfy.running import current

log = logging.getLogger(__name__)


class BinaryEventTypes:
    PREVIEW_IMAGE = 1
    UNENCODED_PREVIEW_IMAGE = 2
    TEXT = 3
    PREVIEW_IMAGE_WITH_METADATA = 4


class PromptServer:
    """The one instance packs reach as ``PromptServer.instance``."""

    instance: ClassVar[PromptServer]

    def __init__(self) -> None:
        self.routes = web.RouteTableDef()
        self.app: web.Application | None = None
        self.client_id: str | None = None
        self.last_node_id: str | None = None
        self.last_prompt_id: str | None = None
        self.supports = ["custom_nodes_from_web"]
        self.on_prompt_handlers: list[Callable[[Any], Any]] = []
        #: the server's ``publish(message, client_id)`` once the app runs (None in a worker process)
        self.publish: Callable[[dict[str, Any], str | None], None] | None = None

    def send_sync(self, event: str, data: Any, sid: str | None = None) -> None:
        """Send ``{"type": event, "data": data}`` over the WebSocket (binary events are not sent)."""
        if not isinstance(event, str):
            log.debug("binary event %r from a pack not sent", event)
            return
        node = current()
        if node is not None and node.message is not None:
            node.message(event, data)
        elif self.publish is not None:
            self.publish({"type": event, "data": data}, sid)

    async def send(self, event: str, data: Any, sid: str | None = None) -> None:
        self.send_sync(event, data, sid)

    async def send_json(self, event: str, data: Any, sid: str | None = None) -> None:
        self.send_sync(event, data, sid)

    def add_on_prompt_handler(self, handler: Callable[[Any], Any]) -> None:
        """Kept; Worldgraph does not hand queued prompts to packs to rewrite."""
        self.on_prompt_handlers.append(handler)

    def pack_routes(self) -> list[web.RouteDef]:
        """The routes packs added, each at its path and under ``/api``."""
        found = []
        for route in self.routes:
            if isinstance(route, web.RouteDef):
                found.append(route)
                if not route.path.startswith("/api/"):
                    found.append(web.RouteDef(route.method, "/api" + route.path, route.handler, route.kwargs))
        return found


PromptServer.instance = PromptServer()
