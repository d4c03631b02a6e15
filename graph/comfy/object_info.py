"""The nodes of a registry described in the shape of ComfyUI's ``/object_info``.

The editor builds its node palette and widgets from this (``GET /object_info``); ``worldgraph
nodes --json`` prints it too.
"""

from __future__ import annotations

from typing import Any

from ..node import Input
from ..registry import NodeRegistry
from ..types import COMBO


def object_info(registry: NodeRegistry) -> dict[str, dict[str, Any]]:
    """Every node of ``registry``, by name, as ``/object_info`` describes it."""
    return {name: node_info(registry, name) for name in registry.names()}


def node_info(registry: NodeRegistry, name: str) -> dict[str, Any]:
    """One node as ``/object_info/{name}`` describes it; raises ``RegistryError`` for an unknown name."""
    node_class = registry.get(name)
    schema = node_class.schema
    groups: dict[str, dict[str, list[Any]]] = {"required": {}, "optional": {}}
    for spec in schema.inputs:
        head: Any = list(spec.choices or ()) if spec.type == COMBO else spec.type
        groups["optional" if spec.optional else "required"][spec.name] = [head, input_options(spec)]
    return {
        "input": {**groups, "hidden": {}},
        "input_order": {group: list(specs) for group, specs in groups.items()},
        "output": [out.type for out in schema.outputs],
        "output_is_list": [out.is_list for out in schema.outputs],
        "output_name": [out.name for out in schema.outputs],
        "output_tooltips": [out.tooltip for out in schema.outputs],
        "name": schema.name,
        "display_name": schema.display_name,
        "description": schema.description,
        "category": schema.category,
        "output_node": schema.output_node,
        "python_module": node_class.__module__,
        "source": registry.source(name),
        "version": schema.version,
    }


def input_options(spec: Input) -> dict[str, Any]:
    """The option dict of one input (only what is set): ``{"default": 3, "min": 0, "lazy": True}``."""
    options: dict[str, Any] = {}
    if spec.has_default:
        options["default"] = spec.default
    for key in ("min", "max", "step", "display", "upload"):
        value = getattr(spec, key)
        if value is not None:
            options[key] = value
    flags = {
        "multiline": spec.multiline,
        "lazy": spec.lazy,
        "forceInput": spec.force_input,
        "control_after_generate": spec.randomize,
    }
    options.update({key: True for key, on in flags.items() if on})
    if spec.tooltip:
        options["tooltip"] = spec.tooltip
    return options
