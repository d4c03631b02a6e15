"""ComfyUI's node contract, run as it is: each such class is wrapped in a generated ``Node``.

A ComfyUI node class declares ``INPUT_TYPES``, ``RETURN_TYPES``, ``RETURN_NAMES``, ``FUNCTION``,
``CATEGORY``, ``OUTPUT_NODE``, ``INPUT_IS_LIST``, ``OUTPUT_IS_LIST``, ``IS_CHANGED``,
``VALIDATE_INPUTS`` and ``check_lazy_status``. ``adapt`` turns it into a ``NodeSchema`` and a
``ComfyNode`` subclass, so the registry, validation, the cache keys and the executor treat it like
any node: ``check_lazy_status`` answers ``needed_lazy``, ``IS_CHANGED`` is the ``fingerprint``,
``VALIDATE_INPUTS`` is ``check_inputs``. Socket types a class names that nobody registered are
registered for it.

Lists follow ComfyUI: an output marked in ``OUTPUT_IS_LIST`` carries a ``ComfyList``; a node without
``INPUT_IS_LIST`` runs once per item of the longest list it receives (shorter lists repeat their last
item) and its outputs become ``ComfyList``s; with ``INPUT_IS_LIST`` it receives every input as a
list. Values of types with a boundary converter (``IMAGE``) are converted on the way in and out.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import math
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..events import Interrupt
from ..executor import RunView
from ..node import CONTEXT_ITEMS, Expand, Input, Node, NodeResult, NodeSchema, Output, Ref, SubNode, accept_constant
from ..paths import Paths
from ..registry import NodeRegistry
from ..types import BOOLEAN, COMBO, FLOAT, INT, STRING, WIDGET_TYPES, split_types
from ..workflow import Workflow
from .blocking import ExecutionBlocker, first_blocker
from .boundary import ComfyList, items_of, merge_ui, per_item
from .dynprompt import DynamicPrompt
from .inputs import HIDDEN_CONTEXT, ComfyContractError, parse_input_types, type_name_of
from .prompt import comfy_workflow, to_api_prompt
from .running import RunningNode, running

@dataclass(frozen=True)
class Contract:
    """What a wrapped class declared, beyond its schema, and how to call it."""

    comfy_class: type
    function: str
    input_types: dict[str, str]
    output_types: tuple[str, ...]
    hidden: dict[str, str]
    input_is_list: bool
    output_is_list: tuple[bool, ...]
    registry: NodeRegistry
    #: the function takes ``**kwargs``: inputs the class does not declare reach it too
    open_inputs: bool
    #: the inputs ``VALIDATE_INPUTS`` judges (every input when it takes ``**kwargs``): no range or choice checks
    validated: frozenset[str]

    def arguments(self, values: Mapping[str, Any]) -> dict[str, list[Any]]:
        """Every input as a list of items, hidden inputs included (values arrive in ComfyUI's form; a raw link as
        ComfyUI's ``[node_id, output_index]``)."""
        run = values.get("run")
        listed = {name: [_link(value, run)] if isinstance(value, Ref) else items_of(value)
                  for name, value in values.items()
                  if name in self.input_types or (self.open_inputs and name not in CONTEXT_ITEMS)}
        for name, kind in self.hidden.items():
            listed[name] = [self.hidden_value(kind, values)]
        return listed

    def hidden_value(self, kind: str, values: Mapping[str, Any]) -> Any:
        if kind == "UNIQUE_ID":
            return values.get("node_id")
        if kind == "DYNPROMPT":
            run = values.get("run")
            return DynamicPrompt(run) if isinstance(run, RunView) else None
        workflow = values.get("workflow")
        if not isinstance(workflow, Workflow):
            return None
        if kind == "PROMPT":
            return to_api_prompt(workflow.to_dict(), self.registry)
        if kind == "EXTRA_PNGINFO":
            return {"workflow": comfy_workflow(workflow.to_dict())}
        return None

    def calls(self, arguments: dict[str, list[Any]]) -> list[dict[str, Any]]:
        """The keyword arguments of each call: one call with lists, or one per item."""
        return [arguments] if self.input_is_list else per_item(arguments)

    def run(self, instance: Any, values: Mapping[str, Any]) -> NodeResult | Expand | Awaitable[NodeResult | Expand]:
        """Call the function once per call (``calls``); with ``async def`` functions, a coroutine awaiting every
        call at once."""
        function = getattr(instance, self.function)
        node = _running_node(values)
        returns: list[Any] = []
        for index, kwargs in enumerate(self.calls(self.arguments(values))):
            if first_blocker(kwargs.values()) is not None:
                returns.append(ExecutionBlocker(None))  # this call is blocked: its outputs block too
                continue
            with running(node, index):
                returns.append(function(**kwargs))
        if any(inspect.isawaitable(returned) for returned in returns):
            return self.awaited(returns, node)
        return self.assemble(returns)

    async def awaited(self, returns: list[Any], node: RunningNode | None) -> NodeResult | Expand:
        async def one(index: int, returned: Any) -> Any:
            if not inspect.isawaitable(returned):
                return returned
            with running(node, index):
                return await returned

        return self.assemble(list(await asyncio.gather(*(one(i, r) for i, r in enumerate(returns)))))

    def assemble(self, returns: list[Any]) -> NodeResult | Expand:
        """The calls' results as the node's: outputs merged, UI payloads merged, expansions joined."""
        results: list[tuple[Any, ...]] = []
        uis: list[Mapping[str, Any]] = []
        expanded: dict[str, SubNode] = {}
        for returned in returns:
            outputs, ui, graph = _split_result(returned, len(self.output_types))
            if graph is not None:
                expanded.update(expansion_nodes(graph))
                outputs = tuple(_ref_of(value) for value in outputs)
            results.append(outputs)
            if ui:
                uis.append(ui)
        merged = self.merge(results)
        if expanded:
            return Expand(expanded, merged, merge_ui(uis), checked=False)
        return NodeResult(merged, merge_ui(uis))

    def merge(self, results: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        """Per output: a plain value for one call, a ``ComfyList`` for lists and several calls."""
        merged = []
        for index in range(len(self.output_types)):
            values = [result[index] for result in results]
            if self.output_is_list[index]:
                merged.append(ComfyList(item for value in values
                                        for item in (value if isinstance(value, (list, tuple)) else [value])))
            else:
                merged.append(values[0] if len(values) == 1 else ComfyList(values))
        return tuple(merged)


class ComfyNode(Node):
    """Base of the generated wrappers; ``contract`` says what the wrapped class declared."""

    contract: ClassVar[Contract]
    handles_blockers = True
    comfy_form = True

    def __init__(self) -> None:
        self.wrapped = self.contract.comfy_class()

    def run(self, *args: Any, **values: Any) -> NodeResult | Expand | Awaitable[NodeResult | Expand]:
        return self.contract.run(self.wrapped, values)

    def needed_lazy(self, *args: Any, **values: Any) -> list[str]:
        check = getattr(self.wrapped, "check_lazy_status", None)
        if check is None:
            return list(super().needed_lazy(**values))
        wanted: list[str] = []
        node = _running_node(values)
        for index, kwargs in enumerate(self.contract.calls(self.contract.arguments(values))):
            asked = call_in_node(node, index, functools.partial(check, **_accepted(check, kwargs)))
            wanted.extend(name for name in asked or () if name not in wanted)
        return wanted

    @classmethod
    def accept(cls, spec: Input, value: Any) -> tuple[Any, str | None]:
        """ComfyUI's rules: a typed-in value of a widget type is converted to it (``int()``, ``float()`` ...), of
        any other type taken as it is; ranges and choices are checked unless ``VALIDATE_INPUTS`` takes the input
        (by name or ``**kwargs``): then it is the judge."""
        converter = _LITERAL_TYPES.get(spec.type)
        if converter is not None:
            try:
                value = converter(value)
            except (TypeError, ValueError, OverflowError):
                return value, f"= {value!r:.60} cannot be read as {spec.type}"
        if spec.name in cls.contract.validated or spec.type not in WIDGET_TYPES:
            return value, None
        return accept_constant(spec, value)

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> Any:
        is_changed = getattr(cls.contract.comfy_class, "IS_CHANGED", None)
        if is_changed is None:
            return None
        linked = {name: None for name in cls.contract.input_types if name not in constants}  # not known yet
        changed = settle(is_changed(**_accepted(is_changed, {**linked, **constants})))
        if isinstance(changed, float) and math.isnan(changed):
            return uuid.uuid4().hex  # ComfyUI's "always changed"
        return changed

    @classmethod
    def check_inputs(cls, constants: Mapping[str, Any], linked: Mapping[str, str]) -> str | None:
        validate = getattr(cls.contract.comfy_class, "VALIDATE_INPUTS", None)
        if validate is None:
            return None
        kwargs = _accepted(validate, {**{name: None for name in linked}, **constants})  # linked: not known yet
        if "input_types" in inspect.signature(validate).parameters:
            kwargs["input_types"] = dict(linked)
        verdict = settle(validate(**kwargs))
        return None if verdict is True else f"custom validation failed: {verdict}"


def adapt(name: str, comfy_class: Any, registry: NodeRegistry, display_name: str | None = None,
          source: str = "") -> type[ComfyNode]:
    """A ``ComfyNode`` subclass running ``comfy_class`` under the node name ``name``.

    Raises ``ComfyContractError`` (a ``RegistryError``) when the class breaks the contract.
    """
    if not inspect.isclass(comfy_class):
        raise ComfyContractError(f"NODE_CLASS_MAPPINGS[{name!r}] must be a class, not {comfy_class!r:.60}")
    function = getattr(comfy_class, "FUNCTION", None)
    if not isinstance(function, str) or not callable(getattr(comfy_class, function, None)):
        raise ComfyContractError(f"FUNCTION = {function!r} must name a method of {comfy_class.__name__}")
    try:
        declared = getattr(comfy_class, "INPUT_TYPES")()  # noqa: B009 (a class we know nothing of)
    except Exception as error:
        raise ComfyContractError(f"INPUT_TYPES() failed: {type(error).__name__}: {error}") from error
    parsed = parse_input_types(declared)
    function_object = getattr(comfy_class, function)
    open_inputs = parsed.open or _has_kwargs(_parameters(function_object))
    declared_names = {spec.name for spec in parsed.inputs}
    context = {item for kind in parsed.hidden.values() if (item := HIDDEN_CONTEXT.get(kind))}
    context |= {item for item in ("node_id", "progress", "interrupt", "message") if item not in declared_names}
    if any(spec.raw_link for spec in parsed.inputs):
        context.add("run")  # a raw link names its source's output by index
    outputs = _outputs(comfy_class)
    schema = NodeSchema(
        name=name, inputs=parsed.inputs, outputs=outputs, display_name=display_name or name,
        category=str(getattr(comfy_class, "CATEGORY", "") or "custom"),
        description=str(getattr(comfy_class, "DESCRIPTION", "") or ""),
        output_node=bool(getattr(comfy_class, "OUTPUT_NODE", False)), context=tuple(sorted(context)),
        open_inputs=open_inputs,
    )
    schema.check()
    for type_name in {spec.type for spec in schema.inputs} | {out.type for out in schema.outputs}:
        for part in split_types(type_name):
            if part not in registry.types:
                registry.types.register(part, f"declared by {source or comfy_class.__module__}")
    contract = Contract(
        comfy_class, function, {spec.name: spec.type for spec in schema.inputs},
        tuple(out.type for out in outputs), parsed.hidden, bool(getattr(comfy_class, "INPUT_IS_LIST", False)),
        tuple(out.is_list for out in outputs), registry, open_inputs, _validated(comfy_class, schema),
    )
    namespace = {"schema": schema, "contract": contract, "__module__": comfy_class.__module__,
                 "__doc__": comfy_class.__doc__, "typed_links": "input_types" not in _parameters(
                     getattr(comfy_class, "VALIDATE_INPUTS", None)),
                 # ComfyUI keys these by node id: what they return may depend on it
                 "keyed_by_id": "UNIQUE_ID" in parsed.hidden.values() or bool(getattr(comfy_class, "NOT_IDEMPOTENT",
                                                                                       False))}
    return type(comfy_class.__name__, (ComfyNode,), namespace)


def _outputs(comfy_class: type) -> tuple[Output, ...]:
    types = _sequence(comfy_class, "RETURN_TYPES")
    names = _sequence(comfy_class, "RETURN_NAMES") or [None] * len(types)
    is_list = _sequence(comfy_class, "OUTPUT_IS_LIST") or [False] * len(types)
    tooltips = _sequence(comfy_class, "OUTPUT_TOOLTIPS") or [""] * len(types)
    for attribute, values in (("RETURN_NAMES", names), ("OUTPUT_IS_LIST", is_list), ("OUTPUT_TOOLTIPS", tooltips)):
        if len(values) != len(types):
            raise ComfyContractError(f"{attribute} has {len(values)} item(s); RETURN_TYPES has {len(types)}")
    outputs: list[Output] = []
    for index, (declared, name, listed, tooltip) in enumerate(zip(types, names, is_list, tooltips, strict=True)):
        type_name = COMBO if isinstance(declared, (list, tuple)) else type_name_of(declared, f"output {index}")
        label = str(name) if name else type_name
        if any(out.name == label for out in outputs):
            label = f"{label}_{index}"
        outputs.append(Output(label, type_name, str(tooltip or ""), bool(listed)))
    return tuple(outputs)


def _sequence(comfy_class: type, attribute: str) -> list[Any]:
    value = getattr(comfy_class, attribute, ())
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ComfyContractError(f"{attribute} must be a tuple, not {value!r:.60}")
    return list(value)


def _split_result(returned: Any, expected: int) -> tuple[tuple[Any, ...], Mapping[str, Any] | None, Any]:
    """A call's result, ``(outputs...)`` or ``{"ui": ..., "result": (...), "expand": graph}``, as (outputs, ui,
    graph or None). An output node may return only ``{"ui": ...}``; a blocker stands for every output."""
    ui = graph = None
    if isinstance(returned, ExecutionBlocker):
        return (returned,) * expected, None, None
    if isinstance(returned, Mapping):
        ui, graph = returned.get("ui"), returned.get("expand")
        returned = returned.get("result", (None,) * expected if "result" not in returned else ())
    if not isinstance(returned, (tuple, list)):
        raise TypeError(f"returned {type(returned).__name__}; expected a tuple of {expected} output(s)")
    # as ComfyUI: outputs beyond RETURN_TYPES are dropped, missing ones are None (packs rely on both)
    return (*returned[:expected], *(None,) * (expected - len(returned))), ui, graph


#: ComfyUI converts typed-in values of these types before validating them
_LITERAL_TYPES: dict[str, Callable[[Any], Any]] = {INT: int, FLOAT: float, STRING: str, BOOLEAN: bool}


def _parameters(function: Callable[..., Any] | None) -> dict[str, inspect.Parameter]:
    if function is None:
        return {}
    try:
        return dict(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return {}


def _has_kwargs(parameters: Mapping[str, inspect.Parameter]) -> bool:
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def _validated(comfy_class: type, schema: NodeSchema) -> frozenset[str]:
    parameters = _parameters(getattr(comfy_class, "VALIDATE_INPUTS", None))
    if _has_kwargs(parameters):
        return frozenset(spec.name for spec in schema.inputs)
    return frozenset(parameters)


def _accepted(function: Callable[..., Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values ``function`` takes: those it names, or all when it has ``**kwargs``."""
    parameters = inspect.signature(function).parameters
    if _has_kwargs(parameters):
        return dict(values)
    return {name: value for name, value in values.items() if name in parameters}



def _running_node(values: Mapping[str, Any]) -> RunningNode | None:
    """The running node for ComfyUI's module-level helpers, from the context items the executor passed."""
    progress, interrupt, message = values.get("progress"), values.get("interrupt"), values.get("message")
    if not callable(progress) or not isinstance(interrupt, Interrupt):
        return None
    return RunningNode(str(values.get("node_id")), progress, interrupt, message if callable(message) else None)


def call_in_node(node: RunningNode | None, call_index: int, work: Callable[[], Any]) -> Any:
    """``work()`` with ``node`` current for ComfyUI's helpers; an awaitable result is awaited."""
    with running(node, call_index):
        return settle(work(), node, call_index)


def settle(result: Any, node: RunningNode | None = None, call_index: int = 0) -> Any:
    """``result``, awaited when it is awaitable (``async def`` node functions, checks and validators)."""
    if not inspect.isawaitable(result):
        return result

    async def awaited() -> Any:
        with running(node, call_index):
            return await result

    return asyncio.run(awaited())


def expansion_nodes(graph: Any) -> dict[str, SubNode]:
    """ComfyUI's ``expand`` graph (``{id: {"class_type", "inputs"}}``, links ``[id, index]``) as subgraph nodes."""
    if not isinstance(graph, Mapping):
        raise TypeError(f"'expand' must be a graph {{id: {{'class_type', 'inputs'}}}}, not {type(graph).__name__}")
    nodes = {}
    for node_id, info in graph.items():
        if not isinstance(info, Mapping) or not isinstance(info.get("class_type"), str):
            raise TypeError(f"expanded node {node_id!r} needs a 'class_type'")
        inputs = info.get("inputs") or {}
        nodes[str(node_id)] = SubNode(info["class_type"], {name: _ref_of(value) for name, value in inputs.items()})
    return nodes


def _link(ref: Ref, run: Any) -> list[Any]:
    """A raw link as ComfyUI passes it: ``[node_id, output_index]``."""
    source = run.node(ref.node) if isinstance(run, RunView) else None
    index = source.node_class.schema.output_index(str(ref.output)) if source is not None else None
    return [ref.node, index if index is not None else ref.output]


def _ref_of(value: Any) -> Any:
    """A ComfyUI link ``[id, index]`` as a ``Ref``; anything else as it is."""
    if (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], (int, float)) and not isinstance(value[1], bool) and float(value[1]).is_integer()):
        return Ref(value[0], int(value[1]))
    return value
