"""The node registry: which node classes exist, where they came from, and their JSON description.

No import-time side effects: a registry is an object you create and fill (``nodes.register`` fills
one with the built-ins; ``graph.plugins.load_registry`` does that and loads installed packs).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .boundary import COMFY_LIST_CODEC, BoundaryRegistry, ComfyList
from .codecs import CodecRegistry
from .errors import RegistryError
from .node import Node, NodeSchema
from .types import COMBO, TypeRegistry

if TYPE_CHECKING:
    from .packs import PackReport


class NodeRegistry:
    def __init__(self) -> None:
        self.types = TypeRegistry()
        self.codecs = CodecRegistry()
        self.codecs.register(ComfyList, COMFY_LIST_CODEC, tuple, ComfyList)
        #: conversions of values crossing into ComfyUI-style nodes, by socket type (see graph.boundary)
        self.boundary = BoundaryRegistry()
        #: what loading custom node packs found, one report per pack (see graph.packs)
        self.packs: list[PackReport] = []
        self._classes: dict[str, type[Node]] = {}
        self._sources: dict[str, str] = {}
        self._workflow_readers: list[Callable[[Path], str | None]] = []

    def register(self, node_class: type[Node], source: str = "builtin") -> type[Node]:
        """Add a node class; refuse a second class of the same name, naming both sources."""
        if not (inspect.isclass(node_class) and issubclass(node_class, Node)):
            raise RegistryError(f"{node_class!r} from {source} is not a Node subclass")
        schema = getattr(node_class, "schema", None)
        if not isinstance(schema, NodeSchema):
            raise RegistryError(f"{node_class.__name__} from {source} has no NodeSchema 'schema'")
        schema.check()
        for spec in schema.inputs:
            self._check_type(schema.name, f"input {spec.name!r}", spec.type)
        for out in schema.outputs:
            self._check_type(schema.name, f"output {out.name!r}", out.type)
        if schema.name in self._classes:
            raise RegistryError(
                f"node {schema.name!r} from {source} is already registered by {self._sources[schema.name]}"
            )
        self._classes[schema.name] = node_class
        self._sources[schema.name] = source
        return node_class

    def register_all(self, node_classes: Iterable[type[Node]], source: str = "builtin") -> None:
        for node_class in node_classes:
            self.register(node_class, source)

    def register_workflow_reader(self, reader: Callable[[Path], str | None]) -> None:
        """Add a reader that finds a workflow embedded in an output file (a PNG chunk, a video tag)."""
        self._workflow_readers.append(reader)

    def read_embedded_workflow(self, path: Path) -> str | None:
        """The workflow JSON embedded in ``path`` by any registered reader, or None."""
        for reader in self._workflow_readers:
            text = reader(path)
            if text:
                return text
        return None

    def _check_type(self, node: str, where: str, type_name: str) -> None:
        if type_name in self.types:
            return
        unknown = self.types.unknown_parts(type_name)
        raise RegistryError(f"node {node!r}: {where} has unknown socket type(s) {unknown}; register them first")

    def link_problem(self, source_class: str, output: str, target_class: str, input: str) -> str | None:
        """Why ``source_class.output`` cannot feed ``target_class.input``, or None when it can."""
        source, target = self.get(source_class).schema, self.get(target_class).schema
        index, spec = source.output_index(output), target.input(input)
        if index is None:
            return f"{source_class} has no output {output!r}"
        if spec is None:
            return f"{target_class} has no input {input!r}"
        produced = source.outputs[index].type
        if not self.types.compatible(produced, spec.type):
            return (f"output {output!r} of {source_class} gives {produced}; "
                    f"input {input!r} of {target_class} expects {spec.type}")
        return None

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __len__(self) -> int:
        return len(self._classes)

    def names(self) -> list[str]:
        return sorted(self._classes)

    def get(self, name: str) -> type[Node]:
        try:
            return self._classes[name]
        except KeyError:
            raise RegistryError(f"unknown node class {name!r}{self.suggest(name)}") from None

    def source(self, name: str) -> str:
        return self._sources[name]

    def suggest(self, name: str) -> str:
        """``"; did you mean 'SaveImage'?"`` or an empty string."""
        close = difflib.get_close_matches(name, self._classes, n=1)
        return f"; did you mean {close[0]!r}?" if close else ""

    def describe(self) -> dict[str, dict[str, Any]]:
        """Every node as a JSON document in the shape of ComfyUI's ``/object_info``."""
        return {name: self.describe_one(name) for name in sorted(self._classes)}

    def describe_one(self, name: str) -> dict[str, Any]:
        node_class = self.get(name)
        schema = node_class.schema
        groups: dict[str, dict[str, list[Any]]] = {"required": {}, "optional": {}}
        for spec in schema.inputs:
            head: Any = list(spec.choices or ()) if spec.type == COMBO else spec.type
            groups["optional" if spec.optional else "required"][spec.name] = [head, spec.options()]
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
            "source": self._sources[name],
            "version": schema.version,
        }
