"""ComfyUI API prompts, both ways: ``{id: {"class_type", "inputs"}}`` with links as ``[id, index]``.

Reading turns one into a workflow document of the current version (``graph.workflow`` builds the
``Workflow`` from it); output indices become output names, which needs the node registry. Writing
turns a workflow document back into a prompt (ComfyUI-style nodes receive it as their ``PROMPT``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import WorkflowFormatError
from ..registry import NodeRegistry

#: A node id of the workflow format: no spaces, no "/" (expanded nodes are named ``parent/local``).
NODE_ID = re.compile(r"[^\s/]{1,128}")


def is_api_prompt(data: Mapping[str, Any]) -> bool:
    return bool(data) and all(isinstance(v, dict) and "class_type" in v for v in data.values())


def _is_link(value: Any) -> bool:
    """``[node_id, output_index]``; the index may be written as an integral float (``["1", 0.0]``)."""
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], (str, int))
            and not isinstance(value[0], bool) and isinstance(value[1], (int, float))
            and not isinstance(value[1], bool) and float(value[1]).is_integer())


def from_api_prompt(data: Mapping[str, Any], registry: NodeRegistry | None, source: str = "") -> dict[str, Any]:
    """The prompt as a current workflow document: ``{"nodes": {...}, "links": [...]}``."""
    nodes: dict[str, dict[str, Any]] = {}
    for node_id, entry in data.items():
        class_type, inputs = entry["class_type"], entry.get("inputs", {})
        if not isinstance(class_type, str) or not isinstance(inputs, dict):
            raise WorkflowFormatError(f"node {node_id}: 'class_type' must be text and 'inputs' an object", source)
        if not NODE_ID.fullmatch(str(node_id)):
            raise WorkflowFormatError(f"node id {node_id!r} must be non-empty, without spaces or '/'", source)
        title = (entry.get("_meta") or {}).get("title") if isinstance(entry.get("_meta"), dict) else None
        if title is not None and not isinstance(title, str):
            raise WorkflowFormatError(f"node {node_id}: '_meta.title' must be text, not {title!r}", source)
        constants = {name: value for name, value in inputs.items() if not _is_link(value)}
        nodes[str(node_id)] = {"class": class_type, "title": title, "inputs": constants}
    links = []
    for node_id, entry in data.items():
        for name, value in entry.get("inputs", {}).items():
            if _is_link(value):
                source_id, index = str(value[0]), int(value[1])
                output = _output_name(data.get(source_id), index, registry, source)
                links.append({"from": [source_id, output], "to": [str(node_id), name]})
    return {"nodes": nodes, "links": links}


def _output_name(entry: Any, index: int, registry: NodeRegistry | None, source: str) -> str:
    """Name of output ``index`` of a ComfyUI node; ``#index`` when the class is unknown (a
    validation error names the unknown class then)."""
    class_type = entry.get("class_type") if isinstance(entry, dict) else None
    if registry is None:
        raise WorkflowFormatError("reading a ComfyUI API prompt needs the node registry", source)
    if isinstance(class_type, str) and class_type in registry:
        outputs = registry.get(class_type).schema.outputs
        if 0 <= index < len(outputs):
            return outputs[index].name
    return f"#{index}"


def to_api_prompt(document: Mapping[str, Any], registry: NodeRegistry) -> dict[str, Any]:
    """A workflow document (``Workflow.to_dict()``) as an API prompt, links as ``[id, index]``."""
    nodes = document["nodes"]
    prompt: dict[str, Any] = {node_id: {"class_type": node["class"], "inputs": dict(node["inputs"])}
                              for node_id, node in nodes.items()}
    for link in document["links"]:
        (source_id, output), (target, input_name) = link["from"], link["to"]
        source = nodes.get(source_id)
        if target not in prompt or source is None or source["class"] not in registry:
            continue
        index = registry.get(source["class"]).schema.output_index(output)
        prompt[target]["inputs"][input_name] = [source_id, index]
    return prompt


def comfy_workflow(document: Mapping[str, Any]) -> dict[str, Any]:
    """A workflow document in the shape of ComfyUI's editor workflow, as packs read it from ``EXTRA_PNGINFO``:
    ``{"nodes": [{"id", "type", "inputs", "widgets_values", ...}], "links": [[id, from, slot, to, input, type]]}``.
    Slots are input names here (the document keeps no positions for them)."""
    nodes = document["nodes"]
    linked: dict[str, list[dict[str, Any]]] = {node_id: [] for node_id in nodes}
    links = []
    for number, link in enumerate(document["links"], start=1):
        (source, output), (target, input_name) = link["from"], link["to"]
        links.append([number, source, output, target, input_name, "*"])
        if target in linked:
            linked[target].append({"name": input_name, "link": number})
    placed = (document.get("layout") or {}).get("nodes") or {}
    return {
        "nodes": [{"id": node_id, "type": node["class"], "title": node.get("title") or node["class"], "mode": 0,
                   "inputs": linked[node_id], "widgets_values": list(node["inputs"].values()),
                   "pos": (placed.get(node_id) or {}).get("pos", [0, 0])}
                  for node_id, node in nodes.items()],
        "links": links, "groups": [], "extra": {}, "version": 0.4,
    }
