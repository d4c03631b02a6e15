"""The node registry: which node classes exist, where they came from, and which links they allow.

No import-time side effects: a registry is an object you create and fill (``nodes.register`` fills
one with the built-ins; ``graph.packs.load_registry`` does that for every installed node package).
Its JSON description is ``graph.comfy.object_info``.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .codecs import CodecRegistry
from .comfy.blocking import ExecutionBlocker
from .comfy.boundary import COMFY_LIST_CODEC, BoundaryRegistry, ComfyList
from .errors import RegistryError
from .node import Node, NodeSchema
from .types import TypeRegistry


@dataclass(frozen=True)
class LinkCheck:
    """What a link from an output to an input would carry; validation, ``Workflow.connect`` and
    expansion all ask ``NodeRegistry.check_link`` and word the answer for their reader."""

    #: the output's socket type; None when the source node has no such output
    produced: str | None
    #: the input's socket type; None when the target node has no such input
    expected: str | None
    #: both exist and the output's type may feed the input's
    compatible: bool


class NodeRegistry:
    def __init__(self) -> None:
        self.types = TypeRegistry()
        self.codecs = CodecRegistry()
        self.codecs.register(ComfyList, COMFY_LIST_CODEC, tuple, ComfyList)
        self.codecs.register(ExecutionBlocker, "comfy.blocker", lambda blocker: blocker.message, ExecutionBlocker)
        #: conversions of values crossing into ComfyUI-style nodes, by socket type (see graph.comfy.boundary)
        self.boundary = BoundaryRegistry()
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

    def check_link(self, source_class: str, output: str, target_class: str, input: str) -> LinkCheck:
        """The one link-compatibility check: ``source_class.output`` feeding ``target_class.input``."""
        produced = self.get(source_class).schema.output_type(output)
        spec = self.get(target_class).schema.input(input)
        expected = spec.type if spec is not None else None
        compatible = produced is not None and expected is not None and self.types.compatible(produced, expected)
        return LinkCheck(produced, expected, compatible)

    def link_problem(self, source_class: str, output: str, target_class: str, input: str) -> str | None:
        """Why ``source_class.output`` cannot feed ``target_class.input``, or None when it can."""
        link = self.check_link(source_class, output, target_class, input)
        if link.produced is None:
            return f"{source_class} has no output {output!r}"
        if link.expected is None:
            return f"{target_class} has no input {input!r}"
        if not link.compatible:
            return (f"output {output!r} of {source_class} gives {link.produced}; "
                    f"input {input!r} of {target_class} expects {link.expected}")
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
