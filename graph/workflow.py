"""The workflow file: one versioned JSON format, older versions migrated on load.

Version 2 (current)::

    {"format": "worldgraph/workflow", "version": 2,
     "nodes":  {"1": {"class": "PrimitiveInt", "title": "Count", "inputs": {"value": 3}}, ...},
     "links":  [{"from": ["1", "value"], "to": ["2", "a"]}, ...],
     "layout": {"nodes": {"1": {"pos": [0, 0], "size": [220, 80]}}, "groups": [...],
                "viewport": {"x": 0, "y": 0, "zoom": 1}}}

Constants (widget values) sit in ``inputs`` by name; a link to an input overrides its constant (the
editor keeps the widget value for when the link is removed). Fields we do not know are kept on
load and written back on save. ComfyUI API prompts (``{id: {"class_type", "inputs"}}``) are read
too (``graph.comfy.prompt``); they need the node registry to turn output indices into output names.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from .comfy.prompt import from_api_prompt, is_api_prompt
from .errors import WorkflowFormatError
from .files import atomic_write_text
from .registry import NodeRegistry

FORMAT = "worldgraph/workflow"
CURRENT_VERSION = 2


@dataclass
class WorkflowNode:
    class_type: str
    inputs: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """Output ``output`` of node ``source`` feeds input ``input`` of node ``target``."""

    source: str
    output: str
    target: str
    input: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Workflow:
    nodes: dict[str, WorkflowNode] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    layout: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- reading and writing -------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike[str], registry: NodeRegistry | None = None) -> Workflow:
        """A workflow file, or an output (PNG, MP4, ...) with a workflow embedded in it."""
        return cls.from_json(read_text(path, registry), registry, source=str(path))

    @classmethod
    def from_json(cls, text: str, registry: NodeRegistry | None = None, source: str = "") -> Workflow:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise WorkflowFormatError(f"not valid JSON: {error}", source) from None
        return cls.from_dict(data, registry, source)

    @classmethod
    def from_dict(cls, data: Any, registry: NodeRegistry | None = None, source: str = "") -> Workflow:
        """Read any supported version, or a ComfyUI API prompt."""
        if not isinstance(data, dict):
            raise WorkflowFormatError(f"a workflow is a JSON object, not {type(data).__name__}", source)
        if is_api_prompt(data):
            return _from_current(from_api_prompt(data, registry, source))
        if isinstance(data.get("nodes"), list) and "last_node_id" in data:
            raise WorkflowFormatError(
                "this is a ComfyUI editor workflow; export it from ComfyUI in API format", source)
        try:
            data = copy.deepcopy(data)
        except RecursionError:
            raise WorkflowFormatError("workflow is nested too deeply", source) from None
        data = migrate(data, source)
        _check_schema(data, source)
        return _from_current(data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": CURRENT_VERSION,
            "nodes": {
                node_id: {
                    "class": node.class_type,
                    **({"title": node.title} if node.title is not None else {}),
                    "inputs": copy.deepcopy(node.inputs),
                    **copy.deepcopy(node.extra),
                }
                for node_id, node in self.nodes.items()
            },
            "links": [
                {"from": [link.source, link.output], "to": [link.target, link.input], **copy.deepcopy(link.extra)}
                for link in self.links
            ],
            "layout": copy.deepcopy(self.layout),
            **copy.deepcopy(self.extra),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write atomically: a crash leaves the old file or the new one."""
        return atomic_write_text(path, self.to_json() + "\n")

    def copy(self) -> Workflow:
        return _from_current(self.to_dict())

    # ---- editing -------------------------------------------------------------------------
    def add_node(self, class_type: str, inputs: dict[str, Any] | None = None,
                 node_id: str | None = None, title: str | None = None) -> str:
        node_id = node_id or self._next_id()
        if node_id in self.nodes:
            raise WorkflowFormatError(f"node id {node_id!r} is already used")
        self.nodes[node_id] = WorkflowNode(class_type, dict(inputs or {}), title)
        return node_id

    def connect(self, source: str, output: str, target: str, input: str,
                registry: NodeRegistry | None = None) -> Link:
        """Link ``source.output`` to ``target.input``, replacing any link into that input.

        With a registry, an incompatible link is refused here rather than at validation.
        """
        if registry is not None:
            for node_id in (source, target):
                if node_id not in self.nodes:
                    raise WorkflowFormatError(f"no node {node_id!r} to link")
            problem = registry.link_problem(self.nodes[source].class_type, output,
                                            self.nodes[target].class_type, input)
            if problem:
                raise WorkflowFormatError(f"cannot link node {source} to node {target}: {problem}")
        self.disconnect(target, input)
        link = Link(source, output, target, input)
        self.links.append(link)
        return link

    def disconnect(self, target: str, input: str) -> None:
        self.links = [link for link in self.links if (link.target, link.input) != (target, input)]

    def set_input(self, node_ref: str, name: str, value: Any) -> str:
        """Set a constant input; ``node_ref`` is an id, a title or a unique class name."""
        node_id = self.find_node(node_ref)
        self.nodes[node_id].inputs[name] = value
        return node_id

    def find_node(self, ref: str) -> str:
        if ref in self.nodes:
            return ref
        for label, matches in (
            ("title", [i for i, n in self.nodes.items() if n.title == ref]),
            ("class", [i for i, n in self.nodes.items() if n.class_type == ref]),
        ):
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise WorkflowFormatError(
                    f"{ref!r} matches the {label} of nodes {', '.join(sorted(matches))}; use a node id")
        raise WorkflowFormatError(f"no node has the id, title or class {ref!r}")

    def links_into(self, target: str) -> Iterable[Link]:
        return (link for link in self.links if link.target == target)

    def _next_id(self) -> str:
        numeric = [int(i) for i in self.nodes if i.isdigit()]
        return str(max(numeric, default=0) + 1)


def read_text(path: str | os.PathLike[str], registry: NodeRegistry | None = None) -> str:
    """The workflow JSON of a file: the file itself, or what a registered reader finds embedded in it."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise WorkflowFormatError(f"cannot read workflow: {error}", str(path)) from None
    if data.lstrip()[:1] in (b"{", b"["):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise WorkflowFormatError(f"not UTF-8 text: {error}", str(path)) from None
    embedded = registry.read_embedded_workflow(Path(path)) if registry is not None else None
    if embedded is None:
        raise WorkflowFormatError("neither a workflow file nor an output with a workflow embedded in it", str(path))
    return embedded


# ---- versions ----------------------------------------------------------------------------
def _migrate_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept nodes in a list (``id``, ``type``, ``pos``, ``size``), links as
    ``[source, output, target, input]`` arrays and groups at the top level."""
    nodes: dict[str, Any] = {}
    layout_nodes: dict[str, Any] = {}
    for entry in data.pop("nodes", []):
        if not isinstance(entry, dict) or "id" not in entry:
            raise ValueError("every node of a version-1 workflow needs an 'id'")
        node_id = str(entry.pop("id"))
        placement = {key: entry.pop(key) for key in ("pos", "size") if key in entry}
        if placement:
            layout_nodes[node_id] = placement
        if "type" in entry:
            entry["class"] = entry.pop("type")
        nodes[node_id] = entry
    links = []
    for entry in data.pop("links", []):
        if not (isinstance(entry, list) and len(entry) == 4):
            raise ValueError(f"a version-1 link is [source, output, target, input], not {entry!r}")
        source, output, target, input_name = entry
        links.append({"from": [str(source), output], "to": [str(target), input_name]})
    layout = {"nodes": layout_nodes}
    if "groups" in data:
        layout["groups"] = data.pop("groups")
    return {**data, "format": FORMAT, "version": 2, "nodes": nodes, "links": links, "layout": layout}


#: version -> function that lifts a document of that version to the next one.
MIGRATIONS = {1: _migrate_v1}


def migrate(data: dict[str, Any], source: str = "") -> dict[str, Any]:
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise WorkflowFormatError(f"'version' must be an integer, found {version!r}", source)
    if version > CURRENT_VERSION:
        raise WorkflowFormatError(
            f"written by a newer Worldgraph (format version {version}); this one reads up to {CURRENT_VERSION}",
            source)
    while version < CURRENT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise WorkflowFormatError(f"format version {version} is not supported", source)
        try:
            data = step(data)
        except (ValueError, TypeError, AttributeError) as error:
            raise WorkflowFormatError(f"cannot migrate from version {version}: {error}", source) from None
        version = data["version"]
    return data


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    text = resources.files("graph").joinpath("schema/workflow.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(_inline_refs(schema, schema.get("$defs", {})))


def _inline_refs(node: Any, definitions: dict[str, Any]) -> Any:
    """The schema with its local ``$ref``s replaced by their definitions (same meaning; resolving
    references is most of jsonschema's time on a workflow)."""
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/") and len(node) == 1:
            return _inline_refs(definitions[reference.removeprefix("#/$defs/")], definitions)
        return {key: _inline_refs(value, definitions) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(item, definitions) for item in node]
    return node


def _check_schema(data: dict[str, Any], source: str) -> None:
    try:
        errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    except RecursionError:
        raise WorkflowFormatError("workflow is nested too deeply", source) from None
    if errors:
        shown = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors[:20]]
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        raise WorkflowFormatError("does not match the workflow schema: " + "; ".join(shown) + more, source)


def _from_current(data: dict[str, Any]) -> Workflow:
    nodes = {}
    for node_id, entry in data["nodes"].items():
        extra = {k: v for k, v in entry.items() if k not in ("class", "title", "inputs")}
        nodes[node_id] = WorkflowNode(entry["class"], dict(entry.get("inputs", {})), entry.get("title"), extra)
    links = [
        Link(entry["from"][0], entry["from"][1], entry["to"][0], entry["to"][1],
             {k: v for k, v in entry.items() if k not in ("from", "to")})
        for entry in data.get("links", [])
    ]
    extra = {k: v for k, v in data.items() if k not in ("format", "version", "nodes", "links", "layout")}
    return Workflow(nodes, links, dict(data.get("layout", {})), extra)
