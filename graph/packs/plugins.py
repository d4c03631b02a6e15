"""Filling a registry: the built-in nodes and installed node packages, found by entry point.

A package (the built-in ``nodes`` package included) declares in its ``pyproject.toml``::

    [project.entry-points."worldgraph.nodes"]
    mypack = "mypack:register"        # register(registry: NodeRegistry) -> None

so the graph layer finds nodes without importing any node package by name. Custom node packs
(folders of ``custom_nodes/``) load into the registry afterwards, when the caller asks
(``graph.packs.load_packs``), and their reports go back to that caller.
"""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint, entry_points

from ..registry import NodeRegistry

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "worldgraph.nodes"
BUILTIN = "builtin"


def load_registry(group: str = ENTRY_POINT_GROUP) -> NodeRegistry:
    """A registry with the built-in nodes, then every other installed node package.

    The built-ins must load; a failing third-party package is logged and skipped.
    """
    registry = NodeRegistry()
    found = sorted(entry_points(group=group), key=lambda ep: (ep.name != BUILTIN, ep.name))
    if not any(ep.name == BUILTIN for ep in found):
        raise RuntimeError(f"no '{BUILTIN}' entry point in group {group!r}: is worldgraph installed?")
    for entry_point in found:
        if entry_point.name == BUILTIN:
            _load(entry_point, registry)
            continue
        try:
            _load(entry_point, registry)
        except Exception:
            log.exception("node package %r (%s) failed to load; skipped", entry_point.name, entry_point.value)
    return registry


def _load(entry_point: EntryPoint, registry: NodeRegistry) -> None:
    register = entry_point.load()
    register(registry)
