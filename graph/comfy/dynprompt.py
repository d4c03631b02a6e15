"""ComfyUI's ``DYNPROMPT``: the run's nodes, expanded ones included, as API prompt entries.

A node that rewrites the graph at run time (a loop that clones its body) reads it through ``get_node``:
``{"class_type", "inputs"}`` with links as ``[node_id, output_index]``, under the ids the run uses.
"""

from __future__ import annotations

from typing import Any

from ..executor import RunView


class NodeNotFoundError(KeyError):
    """The run has no node of that id."""


class DynamicPrompt:
    def __init__(self, run: RunView) -> None:
        self._run = run

    def has_node(self, node_id: str) -> bool:
        return node_id in self._run

    def get_node(self, node_id: str) -> dict[str, Any]:
        planned = self._run.node(node_id)
        if planned is None:
            raise NodeNotFoundError(f"node {node_id!r} is not part of this run")
        inputs: dict[str, Any] = dict(planned.constants)
        for name, link in planned.links.items():
            source = self._run.node(link.source)
            index = source.node_class.schema.output_index(link.output) if source is not None else None
            inputs[name] = [link.source, index if index is not None else 0]
        return {"class_type": planned.class_type, "inputs": inputs}

    def get_real_node_id(self, node_id: str) -> str:
        return node_id

    def get_display_node_id(self, node_id: str) -> str:
        return node_id

    def get_parent_node_id(self, node_id: str) -> str | None:
        """The node that expanded into ``node_id`` (expanded nodes are named ``parent/local``), or None."""
        return node_id.rsplit("/", 1)[0] if "/" in node_id else None

    def all_node_ids(self) -> set[str]:
        return set(self._run.node_ids())

    def get_original_prompt(self) -> dict[str, Any]:
        return {node_id: self.get_node(node_id) for node_id in self._run.node_ids() if "/" not in node_id}
