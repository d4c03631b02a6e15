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
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], (str, int))
            and not isinstance(value[0], bool) and isinstance(value[1], int) and not isinstance(value[1], bool))


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
                source_id, index = str(value[0]), value[1]
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
