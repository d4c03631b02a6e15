"""Worldgraph's example custom node pack: a camera shake for world timelines and a colour grade.

Loaded from ``custom_nodes/`` at start-up like any pack; ``docs/custom-nodes.md`` walks through it.
"""

from __future__ import annotations

from graph import NodeRegistry

from .nodes import NODES

#: editor extensions, served under /extensions/example_pack/
WEB_DIRECTORY = "web"


def register(registry: NodeRegistry) -> None:
    registry.register_all(NODES)
