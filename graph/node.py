"""The node-definition API: what a node declares (its schema) and what its ``run`` returns.

A node is a class with a ``schema`` and a ``run`` method::

    class Add(Node):
        schema = NodeSchema(
            name="Add", category="math",
            inputs=(Int("a"), Int("b", default=1)),
            outputs=(Output("sum", INT),),
        )

        def run(self, a: int, b: int) -> tuple[int]:
            return (a + b,)

``run`` receives every input by name (plus the context items the schema asks for, see
``CONTEXT_ITEMS``) and returns a tuple with one value per output, a ``NodeResult`` (outputs and a UI
payload), or an ``Expand`` (a subgraph that computes the outputs).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import RegistryError
from .paths import Paths
from .types import ANY, BOOLEAN, COMBO, FLOAT, INT, STRING, WIDGET_TYPES


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: Marks an input without a default value.
MISSING: Any = _Missing()

#: Context a node may ask for; each is passed to ``run`` as a keyword argument of that name.
#: ``node_id``: its id in the workflow; ``workflow``: the ``Workflow`` being run; ``progress``: a
#: ``progress(value, maximum)`` callable that also honours interrupts; ``store``: the shared
#: content-addressed store (``get``/``put``/``contains``); ``paths``: the run's folders; ``files``: an
#: ``OutputFiles`` that writes the node's numbered output files (``name_00001_.png``) so that a re-run
#: after a crash names them the same; ``interrupt``: the run's ``Interrupt`` (``check()`` stops the node when
#: the run was asked to stop); ``run``: a ``RunView`` of every node of the run, expanded ones included;
#: ``message``: ``message(kind, data)`` sends a WebSocket message of the node's own to the client of the run.
CONTEXT_ITEMS = frozenset({"node_id", "workflow", "progress", "store", "paths", "files", "parallel", "interrupt",
                           "run", "message"})


@dataclass(frozen=True)
class Input:
    """One named input. Widget types (INT, FLOAT, STRING, BOOLEAN, COMBO) may hold constants."""

    name: str
    type: str
    default: Any = MISSING
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[str, ...] | None = None
    multiline: bool = False
    optional: bool = False
    lazy: bool = False
    tooltip: str = ""
    display: str | None = None
    randomize: bool = False
    force_input: bool = False
    #: a file-name input the editor offers to fill by uploading a file: "image", "audio" or "video"
    upload: str | None = None
    #: the node receives the link itself (a ``Ref`` to the source's output), and the source is not run for it
    raw_link: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING


@dataclass(frozen=True)
class Output:
    name: str
    type: str
    tooltip: str = ""
    is_list: bool = False


def Int(name: str, default: int = 0, *, min: int | None = None, max: int | None = None,
        step: int | None = None, **more: Any) -> Input:
    return Input(name, INT, default, min=min, max=max, step=step, **more)


def Float(name: str, default: float = 0.0, *, min: float | None = None, max: float | None = None,
          step: float | None = None, **more: Any) -> Input:
    return Input(name, FLOAT, default, min=min, max=max, step=step, **more)


def String(name: str, default: str = "", *, multiline: bool = False, **more: Any) -> Input:
    return Input(name, STRING, default, multiline=multiline, **more)


def Bool(name: str, default: bool = False, **more: Any) -> Input:
    return Input(name, BOOLEAN, default, **more)


def Choice(name: str, choices: Sequence[str], default: str | None = None, **more: Any) -> Input:
    choices = tuple(choices)
    return Input(name, COMBO, choices[0] if default is None and choices else default,
                 choices=choices, **more)


def Seed(name: str = "seed", default: int = 0, **more: Any) -> Input:
    """A seed: a non-negative 64-bit integer the editor can randomise after each run."""
    return Input(name, INT, default, min=0, max=2**64 - 1, randomize=True, **more)


def Socket(name: str, type: str, **more: Any) -> Input:
    """An input that can only be connected (no widget)."""
    return Input(name, type, **more)


@dataclass(frozen=True)
class NodeSchema:
    name: str
    inputs: tuple[Input, ...] = ()
    outputs: tuple[Output, ...] = ()
    display_name: str = ""
    category: str = "misc"
    description: str = ""
    output_node: bool = False
    context: tuple[str, ...] = ()
    #: Part of every cache key: bump it when the node's results change for the same inputs.
    version: str = "1"
    #: True: inputs the schema does not declare are accepted untyped and passed on (ComfyUI's ``**kwargs``)
    open_inputs: bool = False
    #: False: run every time (its key changes each run, so everything downstream runs too).
    cacheable: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        object.__setattr__(self, "context", tuple(self.context))
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name)

    def input(self, name: str) -> Input | None:
        return next((spec for spec in self.inputs if spec.name == name), None)

    def output_index(self, name: str) -> int | None:
        return next((i for i, spec in enumerate(self.outputs) if spec.name == name), None)

    def output_type(self, name: str) -> str | None:
        """The socket type of output ``name``; None when there is no such output."""
        index = self.output_index(name)
        return self.outputs[index].type if index is not None else None

    def check(self) -> None:
        """Refuse schemas that could never run: duplicate names, bad defaults, unknown context."""
        where = f"node {self.name!r}"
        if not self.name or not self.name.strip():
            raise RegistryError("a node needs a non-empty name")
        for kind, names in (("input", [i.name for i in self.inputs]), ("output", [o.name for o in self.outputs])):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise RegistryError(f"{where}: duplicate {kind} name(s) {duplicates}")
        unknown_context = sorted(set(self.context) - CONTEXT_ITEMS)
        if unknown_context:
            raise RegistryError(f"{where}: unknown context {unknown_context}; known: {sorted(CONTEXT_ITEMS)}")
        clashes = sorted(set(self.context) & {i.name for i in self.inputs})
        if clashes:
            raise RegistryError(f"{where}: input name(s) {clashes} clash with context items")
        for spec in self.inputs:
            _check_input(where, spec)


def _check_input(where: str, spec: Input) -> None:
    if spec.type == COMBO and not spec.choices and spec.has_default:
        raise RegistryError(f"{where}: choice input {spec.name!r} needs at least one choice for its default")
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        raise RegistryError(f"{where}: input {spec.name!r} has min {spec.min} > max {spec.max}")
    if spec.has_default and spec.type in WIDGET_TYPES:
        problem = check_constant(spec, spec.default)
        if problem:
            raise RegistryError(f"{where}: default of input {spec.name!r} {problem}")


def check_constant(spec: Input, value: Any) -> str | None:
    """Why ``value`` is not acceptable for widget input ``spec``, or None when it is."""
    shown = _show(value)
    if spec.type == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                return f"= {shown} must be an integer"
    elif spec.type == FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"= {shown} must be a number"
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an integer beyond the float range
            finite = False
        if not finite:
            return f"= {shown} must be a finite number"
    elif spec.type == STRING:
        if not isinstance(value, str):
            return f"= {shown} must be text"
    elif spec.type == BOOLEAN:
        if not isinstance(value, bool):
            return f"= {shown} must be true or false"
    elif spec.type == COMBO:
        if value not in (spec.choices or ()):
            listed = ", ".join(repr(c) for c in (spec.choices or ())[:12])
            return f"= {shown} is not one of the choices ({listed})"
        return None
    if spec.type in (INT, FLOAT):
        if spec.min is not None and value < spec.min:
            return f"= {shown} must be >= {spec.min}"
        if spec.max is not None and value > spec.max:
            return f"= {shown} must be <= {spec.max}"
    return None


def accept_constant(spec: Input, value: Any) -> tuple[Any, str | None]:
    """What a node receives for constant ``value`` of ``spec``, and why it is refused (None: it is not).

    Widget inputs are checked against type, range and choices (integral floats become ints, ints
    floats); sockets take any value (an ``Expand`` may hand its subgraph an array). Validation and
    expansion both accept constants through this function.
    """
    if spec.type not in WIDGET_TYPES:
        return value, None
    problem = check_constant(spec, value)
    if problem:
        return value, problem
    if spec.type == INT and isinstance(value, float):
        return int(value), None
    if spec.type == FLOAT and isinstance(value, int):
        return float(value), None
    return value, None


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class NodeResult:
    """Outputs plus a UI payload (e.g. ``{"images": [{"filename", "subfolder", "type"}]}``)."""

    outputs: tuple[Any, ...] = ()
    ui: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Ref:
    """Inside an ``Expand``: output ``output`` (a name, or an index) of the subgraph node ``node``, or of the
    run's node ``node`` when the subgraph has no node of that id. A raw-link input receives one too."""

    node: str
    output: str | int


@dataclass(frozen=True)
class SubNode:
    class_type: str
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expand:
    """Replace this node by a subgraph at run time; ``outputs`` has one value per output: a ``Ref``, or the
    value itself.

    Inputs of subgraph nodes are constants (any value, e.g. an array this node received) or ``Ref``s to
    other subgraph nodes (or to nodes of the run outside it). Its output nodes run even when no output refers to
    them. ``checked`` False takes constants unchecked and links untyped (ComfyUI's expansions).
    """

    nodes: Mapping[str, SubNode]
    outputs: tuple[Any, ...]
    ui: Mapping[str, Any] | None = None
    checked: bool = True


class Node:
    """Base class of node definitions. One instance runs one node of one run."""

    schema: ClassVar[NodeSchema]
    #: True: the node runs even when an input holds an ``ExecutionBlocker`` (it decides what is blocked)
    handles_blockers: ClassVar[bool] = False
    #: True: its values are in ComfyUI's form (``graph.comfy.boundary``); the executor converts where they cross
    comfy_form: ClassVar[bool] = False
    #: False: validation does not compare the types of linked inputs (the node's ``check_inputs`` does)
    typed_links: ClassVar[bool] = True
    #: True: its node id is part of its cache key (its results may differ by id: ComfyUI's ``UNIQUE_ID`` takers)
    keyed_by_id: ClassVar[bool] = False

    def run(self, *args: Any, **inputs: Any) -> tuple[Any, ...] | NodeResult | Expand | Awaitable[Any]:
        """Compute the outputs; receives every input (and requested context item) by name. An awaitable (an
        ``async def`` run) is awaited while the nodes that do not need it run (``graph.concurrent``)."""
        raise NotImplementedError(f"{type(self).__name__}.run")

    def needed_lazy(self, *args: Any, **inputs: Any) -> Sequence[str]:
        """Which lazy inputs must be evaluated, given the values known so far.

        Lazy inputs not yet evaluated are passed as None. The default asks for all of them.
        """
        return [spec.name for spec in self.schema.inputs if spec.lazy and inputs.get(spec.name) is None]

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> Any:
        """Extra JSON-able state that makes results differ for the same inputs (e.g. a file hash).

        Receives the run's folders and the node's constant inputs. Part of the cache key; ``None``
        means nothing extra.
        """
        return None

    @classmethod
    def accept(cls, spec: Input, value: Any) -> tuple[Any, str | None]:
        """What the node receives for the typed-in ``value`` of input ``spec``, and why it is refused (None: it is
        not). The default: widget inputs by ``accept_constant``; a socket takes no typed-in value but ``*``."""
        if spec.type not in WIDGET_TYPES and spec.type != ANY:
            return value, (f"({spec.type}) cannot hold a typed-in value; connect it to a node that gives "
                           f"{spec.type}")
        return accept_constant(spec, value)

    @classmethod
    def check_inputs(cls, constants: Mapping[str, Any], linked: Mapping[str, str]) -> str | None:
        """Why these inputs cannot run (reported by validation before anything runs), or None.

        Receives the constant inputs (already checked against type, range and choices) and, for
        linked inputs, the socket type each one receives. The default accepts everything.
        """
        return None
