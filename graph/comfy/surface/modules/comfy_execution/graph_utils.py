"""ComfyUI's ``comfy_execution.graph_utils``: build the graph a node expands into.

A node returns ``{"result": (...), "expand": builder.finalize()}``; links are ``[node_id, output_index]``. A
builder made without a prefix while a node runs gets one unique to that call (``.<call>.<n>.``; the executor puts
the node's id before it), so the ids of the nodes it adds never meet those of the workflow or of another
expansion.
"""

from __future__ import annotations

from typing import Any

from graph.comfy.running import BUILDER_PREFIX as _PREFIX


def is_link(value: Any) -> bool:
    """Whether ``value`` is a link ``[node_id, output_index]``."""
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], (int, float)) and not isinstance(value[1], bool))


class Node:
    """A node of a ``GraphBuilder``: ``out(i)`` links its output ``i``."""

    def __init__(self, id: str, class_type: str, inputs: dict[str, Any]) -> None:
        self.id = id
        self.class_type = class_type
        self.inputs = inputs
        self.override_display_id: str | None = None

    def out(self, index: int) -> list[Any]:
        return [self.id, index]

    def set_input(self, key: str, value: Any) -> None:
        """Set input ``key``; None removes it."""
        if value is None:
            self.inputs.pop(key, None)
        else:
            self.inputs[key] = value

    def get_input(self, key: str) -> Any:
        return self.inputs.get(key)

    def set_override_display_id(self, display_id: str) -> None:
        self.override_display_id = display_id

    def serialize(self) -> dict[str, Any]:
        serialized: dict[str, Any] = {"class_type": self.class_type, "inputs": self.inputs}
        if self.override_display_id is not None:
            serialized["override_display_id"] = self.override_display_id
        return serialized


class GraphBuilder:
    """Nodes under ids ``prefix + id`` (``id`` counted from 1 when not given)."""

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = GraphBuilder.alloc_prefix() if prefix is None else prefix
        self.nodes: dict[str, Node] = {}
        self.id_gen = 1

    @classmethod
    def set_default_prefix(cls, prefix_root: str, call_index: int, graph_index: int = 0) -> None:
        _PREFIX.set((prefix_root, call_index, graph_index))

    @classmethod
    def alloc_prefix(cls, root: str | None = None, call_index: int | None = None,
                     graph_index: int | None = None) -> str:
        """The next default prefix, ``root.call.graph.``; each builder of one call gets its own ``graph``."""
        default_root, default_call, default_graph = _PREFIX.get()
        prefix = (f"{default_root if root is None else root}.{default_call if call_index is None else call_index}."
                  f"{default_graph if graph_index is None else graph_index}.")
        _PREFIX.set((default_root, default_call, default_graph + 1))
        return prefix

    def node(self, class_type: str, id: str | None = None, **inputs: Any) -> Node:
        """The node ``id`` (added with ``inputs`` unless there already)."""
        if id is None:
            id = str(self.id_gen)
            self.id_gen += 1
        full_id = self.prefix + id
        if full_id not in self.nodes:
            self.nodes[full_id] = Node(full_id, class_type, inputs)
        return self.nodes[full_id]

    def lookup_node(self, id: str) -> Node | None:
        return self.nodes.get(self.prefix + id)

    def remove_node(self, id: str) -> None:
        del self.nodes[self.prefix + id]

    def replace_node_output(self, node_id: str, index: int, new_value: Any) -> None:
        """Every input linked to output ``index`` of ``node_id`` takes ``new_value`` (None: the input goes)."""
        target = [self.prefix + node_id, index]
        for node in self.nodes.values():
            for key in [key for key, value in node.inputs.items() if is_link(value) and value == target]:
                node.set_input(key, new_value)

    def finalize(self) -> dict[str, dict[str, Any]]:
        """The graph as ComfyUI's API prompt: ``{id: {"class_type", "inputs"}}``."""
        return {node_id: node.serialize() for node_id, node in self.nodes.items()}


def add_graph_prefix(graph: dict[str, Any], outputs: tuple[Any, ...], prefix: str) -> tuple[dict[str, Any],
                                                                                         tuple[Any, ...]]:
    """``graph`` and ``outputs`` with ``prefix`` before every node id (links inside the graph follow)."""

    def moved(value: Any) -> Any:
        return [prefix + value[0], value[1]] if is_link(value) and value[0] in graph else value

    renamed = {prefix + node_id: {**info, "inputs": {key: moved(value) for key, value in info["inputs"].items()}}
               for node_id, info in graph.items()}
    return renamed, tuple(moved(value) for value in outputs)
