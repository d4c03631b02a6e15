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

import inspect
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..node import Node, NodeResult, NodeSchema, Output
from ..paths import Paths
from ..registry import NodeRegistry
from ..types import COMBO, split_types
from ..workflow import Workflow
from .boundary import BoundaryRegistry, ComfyList
from .inputs import HIDDEN_CONTEXT, ComfyContractError, parse_input_types, type_name_of
from .prompt import to_api_prompt

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
    boundary: BoundaryRegistry
    registry: NodeRegistry

    def arguments(self, values: Mapping[str, Any]) -> dict[str, list[Any]]:
        """Every input as a list of items in ComfyUI's form, hidden inputs included."""
        listed = {name: [self.boundary.to_comfy(self.input_types[name], item) for item in _items(value)]
                  for name, value in values.items() if name in self.input_types}
        for name, kind in self.hidden.items():
            listed[name] = [self.hidden_value(kind, values)]
        return listed

    def hidden_value(self, kind: str, values: Mapping[str, Any]) -> Any:
        if kind == "UNIQUE_ID":
            return values.get("node_id")
        workflow = values.get("workflow")
        if not isinstance(workflow, Workflow):
            return None
        if kind == "PROMPT":
            return to_api_prompt(workflow.to_dict(), self.registry)
        if kind == "EXTRA_PNGINFO":
            return {"workflow": workflow.to_dict()}
        return None

    def calls(self, arguments: dict[str, list[Any]]) -> list[dict[str, Any]]:
        """The keyword arguments of each call: one call with lists, or one per item."""
        if self.input_is_list:
            return [arguments]
        count = max((len(items) for items in arguments.values()), default=1)
        return [{name: items[min(i, len(items) - 1)] if items else None for name, items in arguments.items()}
                for i in range(max(count, 1))]

    def run(self, instance: Any, values: Mapping[str, Any]) -> NodeResult:
        function = getattr(instance, self.function)
        results, uis = [], []
        for kwargs in self.calls(self.arguments(values)):
            outputs, ui = _split_result(function(**kwargs), len(self.output_types))
            results.append(outputs)
            if ui:
                uis.append(ui)
        return NodeResult(self.merge(results), _merge_ui(uis))

    def merge(self, results: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        """Per output: a plain value for one call, a ``ComfyList`` for lists and several calls."""
        merged = []
        for index, type_name in enumerate(self.output_types):
            converted = [self.boundary.from_comfy(type_name, result[index]) for result in results]
            if self.output_is_list[index]:
                merged.append(ComfyList(item for value in converted for item in _items(value, always=True)))
            else:
                merged.append(converted[0] if len(converted) == 1 else ComfyList(converted))
        return tuple(merged)


class ComfyNode(Node):
    """Base of the generated wrappers; ``contract`` says what the wrapped class declared."""

    contract: ClassVar[Contract]

    def __init__(self) -> None:
        self.wrapped = self.contract.comfy_class()

    def run(self, *args: Any, **values: Any) -> NodeResult:
        return self.contract.run(self.wrapped, values)

    def needed_lazy(self, *args: Any, **values: Any) -> list[str]:
        check = getattr(self.wrapped, "check_lazy_status", None)
        if check is None:
            return list(super().needed_lazy(**values))
        wanted: list[str] = []
        for kwargs in self.contract.calls(self.contract.arguments(values)):
            wanted.extend(name for name in check(**kwargs) or () if name not in wanted)
        return wanted

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> Any:
        is_changed = getattr(cls.contract.comfy_class, "IS_CHANGED", None)
        if is_changed is None:
            return None
        changed = is_changed(**_accepted(is_changed, constants))
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
        verdict = validate(**kwargs)
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
    unknown_hidden = sorted(set(parsed.hidden.values()) - HIDDEN_CONTEXT.keys())
    if unknown_hidden:
        raise ComfyContractError(f"hidden input kind(s) {unknown_hidden} unknown; known: {sorted(HIDDEN_CONTEXT)}")
    outputs = _outputs(comfy_class)
    context = sorted({item for kind in parsed.hidden.values() if (item := HIDDEN_CONTEXT[kind])})
    schema = NodeSchema(
        name=name, inputs=parsed.inputs, outputs=outputs, display_name=display_name or name,
        category=str(getattr(comfy_class, "CATEGORY", "") or "custom"),
        description=str(getattr(comfy_class, "DESCRIPTION", "") or ""),
        output_node=bool(getattr(comfy_class, "OUTPUT_NODE", False)), context=tuple(context),
    )
    schema.check()
    for type_name in {spec.type for spec in schema.inputs} | {out.type for out in schema.outputs}:
        for part in split_types(type_name):
            if part not in registry.types:
                registry.types.register(part, f"declared by {source or comfy_class.__module__}")
    contract = Contract(
        comfy_class, function, {spec.name: spec.type for spec in schema.inputs},
        tuple(out.type for out in outputs), parsed.hidden, bool(getattr(comfy_class, "INPUT_IS_LIST", False)),
        tuple(out.is_list for out in outputs), registry.boundary, registry,
    )
    namespace = {"schema": schema, "contract": contract, "__module__": comfy_class.__module__,
                 "__doc__": comfy_class.__doc__}
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


def _items(value: Any, always: bool = False) -> list[Any]:
    """A ComfyList's items, or the value as a one-item list (``always``: any list or tuple's items)."""
    if isinstance(value, ComfyList) or (always and isinstance(value, (list, tuple))):
        return list(value)
    return [value]


def _split_result(returned: Any, expected: int) -> tuple[tuple[Any, ...], Mapping[str, Any] | None]:
    """A call's result, ``(outputs...)`` or ``{"ui": ..., "result": (...)}``, as (outputs, ui)."""
    ui = None
    if isinstance(returned, Mapping):
        if "expand" in returned:
            raise ComfyContractError("results with 'expand' (ComfyUI node expansion) are not supported")
        ui = returned.get("ui")
        returned = returned.get("result", ())
    if not isinstance(returned, (tuple, list)):
        raise TypeError(f"returned {type(returned).__name__}; expected a tuple of {expected} output(s)")
    if len(returned) != expected:
        raise TypeError(f"returned {len(returned)} output(s); RETURN_TYPES declares {expected}")
    return tuple(returned), ui


def _merge_ui(uis: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    """ComfyUI's merge of the UI payloads of several calls: lists under each key concatenated."""
    if not uis:
        return None
    merged: dict[str, Any] = {}
    for ui in uis:
        for key, value in ui.items():
            merged.setdefault(key, []).extend(value if isinstance(value, (list, tuple)) else [value])
    return merged


def _accepted(function: Callable[..., Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values ``function`` takes: those it names, or all when it has ``**kwargs``."""
    parameters = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return dict(values)
    return {name: value for name, value in values.items() if name in parameters}

