"""The route type every ``routes/`` module lists its routes in, and how a route table is mounted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import NamedTuple

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PREFIXES = ("", "/api")


class Route(NamedTuple):
    """One route: served at ``path`` and ``/api`` + ``path``, and described in ``/openapi.json``."""

    method: str
    path: str
    handler: Handler
    summary: str


def mount(app: web.Application, routes: Sequence[Route]) -> None:
    """Add ``routes`` at ``/`` and ``/api/`` (ComfyUI clients use either)."""
    for prefix in PREFIXES:
        for route in routes:
            app.router.add_route(route.method, prefix + route.path, route.handler)
