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


class _PromptQueue:
    """What packs read of ComfyUI's prompt queue: Worldgraph's queue is the job store, not shown here."""

    currently_running: ClassVar[dict[str, Any]] = {}

    def get_current_queue(self) -> tuple[list[Any], list[Any]]:
        return [], []

    def get_tasks_remaining(self) -> int:
        return 0


class PromptServer:
    """The one instance packs reach as ``PromptServer.instance``."""

    instance: ClassVar[PromptServer]

    def __init__(self) -> None:
        self.routes = web.RouteTableDef()
        #: an app of its own (never run) collecting what packs add to ``app.router`` directly, as they import;
        #: ``attach`` serves those routes on the server's app
        self.staging = web.Application()
        self.app = self.staging
        self.client_id: str | None = None
        self.last_node_id: str | None = None
        self.last_prompt_id: str | None = None
        self.supports = ["custom_nodes_from_web"]
        self.on_prompt_handlers: list[Callable[[Any], Any]] = []
        self.prompt_queue = _PromptQueue()
        self.number = 0
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

    def pack_routes(self) -> list[web.AbstractRouteDef]:
        """The routes packs added (to ``routes``, or to ``app.router`` before the server ran), each at its path and
        under ``/api``."""
        found: list[web.AbstractRouteDef] = []
        added = [web.RouteDef(route.method, route.path, route.handler, route.kwargs)
                 for route in self.routes if isinstance(route, web.RouteDef)]
        for staged in self.staging.router.routes():
            info = staged.resource.get_info() if staged.resource is not None else {}
            if "directory" in info:
                found.append(web.static(info["prefix"], info["directory"]))
            elif staged.method != "HEAD" and ("path" in info or "formatter" in info):
                added.append(web.RouteDef(staged.method, info.get("path") or info["formatter"], staged.handler, {}))
        for route in added:
            found.append(route)
            if not route.path.startswith("/api/"):
                found.append(web.RouteDef(route.method, "/api" + route.path, route.handler, route.kwargs))
        return found

    def attach(self, app: web.Application, publish: Callable[[dict[str, Any], str | None], None]) -> None:
        """Serve the packs' routes on ``app`` (behind its middlewares) and send ``send_sync`` messages there."""
        app.router.add_routes(self.pack_routes())
        self.publish = publish


PromptServer.instance = PromptServer()
