"""Cache keys in linear time.

A node's key is a fixed-size hash of its class, class version, constant inputs, fingerprint and the
*keys* (not the contents) of the nodes feeding it. Computed once per node in topological order, each
key costs O(its inputs), so a run costs O(nodes + links) however deep the graph: ComfyUI's keys
nest whole ancestries and grow quadratically with depth.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from .paths import Paths
from .validation import Plan, PlannedNode

log = logging.getLogger(__name__)

NODE_KEY_PREFIX = "node/"


def digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)
    return NODE_KEY_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def upstream(node: PlannedNode, keys: dict[str, str]) -> list[list[str]]:
    return sorted([name, keys[link.source], link.output] for name, link in node.links.items())


def fingerprint_of(node: PlannedNode, paths: Paths) -> Any:
    """The node's change fingerprint; a fresh random one for nodes that must always run."""
    schema = node.node_class.schema
    if not schema.cacheable:
        return uuid.uuid4().hex
    try:
        return node.node_class.fingerprint(paths, **node.constants)
    except Exception as error:  # the run itself will report the problem with its traceback
        log.debug("fingerprint of node %s failed (%s); it will run", node.node_id, error)
        return uuid.uuid4().hex


def node_keys(plan: Plan, paths: Paths) -> dict[str, str]:
    keys: dict[str, str] = {}
    for node_id in plan.order:
        node = plan.nodes[node_id]
        schema = node.node_class.schema
        identity = [node_id] if node.node_class.keyed_by_id else []
        keys[node_id] = digest(
            [schema.name, schema.version, node.constants, fingerprint_of(node, paths), upstream(node, keys), *identity]
        )
    return keys


def subgraph_keys(parent_key: str, order: Iterable[str], nodes: dict[str, PlannedNode],
                  local_ids: dict[str, str], keys: dict[str, str], paths: Paths) -> None:
    """Keys of the nodes a node expanded into. Their constants come from the parent's inputs, which
    the parent's key already covers, so they are identified by (parent key, local id) instead."""
    for node_id in order:
        node = nodes[node_id]
        schema = node.node_class.schema
        extra = fingerprint_of(node, paths) if not schema.cacheable else None
        keys[node_id] = digest(
            [parent_key, local_ids[node_id], schema.name, schema.version, extra, upstream(node, keys)]
        )
