"""ComfyUI's ``INPUT_TYPES`` read into our ``Input`` specs.

``INPUT_TYPES()`` returns ``{"required": {...}, "optional": {...}, "hidden": {...}}``; each entry is
``(type,)`` or ``(type, options)`` where ``type`` is a socket type name (``"INT"``, ``"IMAGE"``,
``"*"``, a pack's own ``"LATENT_COMFY"``), a list of choices, or ``"COMBO"`` with
``options["options"]``. Widget inputs without a default get ComfyUI's editor defaults (0, 0.0, "",
false, the first choice; clamped into ``min``/``max``) so a workflow may leave them out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import RegistryError
from ..node import MISSING, Input
from ..types import BOOLEAN, COMBO, FLOAT, INT, STRING

#: Hidden inputs ComfyUI fills in, and the context item each one is made from (None: always None).
HIDDEN_CONTEXT: dict[str, str | None] = {
    "UNIQUE_ID": "node_id", "PROMPT": "workflow", "EXTRA_PNGINFO": "workflow",
    "DYNPROMPT": "run", "AUTH_TOKEN_COMFY_ORG": None, "API_KEY_COMFY_ORG": None,
}
_GROUPS = ("required", "optional", "hidden")
_WIDGET_DEFAULTS: dict[str, Any] = {INT: 0, FLOAT: 0.0, STRING: "", BOOLEAN: False}


class ComfyContractError(RegistryError):
    """A ComfyUI-style node class declares something we cannot run; the message says what."""


@dataclass(frozen=True)
class ParsedInputs:
    inputs: tuple[Input, ...]
    #: hidden parameter name -> what ComfyUI passes there (``"UNIQUE_ID"``, ``"PROMPT"``...)
    hidden: dict[str, str]
    #: ``optional`` is a dict-like that takes any name (a pack's ``FlexibleOptionalInputType``)
    open: bool = False


def parse_input_types(declared: Any) -> ParsedInputs:
    """``INPUT_TYPES()``'s result as inputs; raises ``ComfyContractError`` naming the bad entry."""
    if not isinstance(declared, Mapping):
        raise ComfyContractError(f"INPUT_TYPES() must return a dict, not {type(declared).__name__}")
    unknown = sorted(str(group) for group in declared if group not in _GROUPS)
    if unknown:
        raise ComfyContractError(f"INPUT_TYPES() has unknown group(s) {unknown}; expected {list(_GROUPS)}")
    inputs: list[Input] = []
    for group in ("required", "optional"):
        entries = declared.get(group) or {}
        if not hasattr(entries, "items"):
            raise ComfyContractError(f"INPUT_TYPES()[{group!r}] must be a dict, not {type(entries).__name__}")
        inputs.extend(parse_entry(str(name), entry, optional=group == "optional") for name, entry in entries.items())
    hidden = declared.get("hidden") or {}
    if not isinstance(hidden, Mapping):
        raise ComfyContractError("INPUT_TYPES()['hidden'] must map parameter names to kinds such as 'UNIQUE_ID'")
    declared_names = {spec.name for spec in inputs}
    for name, kind in hidden.items():  # a hidden entry written as an input is an optional input a prompt may set
        if isinstance(kind, (tuple, list)) and str(name) not in declared_names:
            inputs.append(parse_entry(str(name), kind, optional=True))
    optional = declared.get("optional")
    flexible = optional is not None and type(optional) is not dict and _takes_any_name(optional)
    return ParsedInputs(tuple(_first_of_each(inputs)),
                        {str(name): str(kind) for name, kind in hidden.items() if isinstance(kind, str)}, flexible)


def _takes_any_name(entries: Any) -> bool:
    try:
        return "\x00 any name \x00" in entries
    except Exception:  # a pack's own container: only what it lists
        return False


def _first_of_each(inputs: list[Input]) -> list[Input]:
    """One input per name: an input declared both required and optional is required (ComfyUI reads it so)."""
    seen: dict[str, Input] = {}
    for spec in inputs:
        seen.setdefault(spec.name, spec)
    return list(seen.values())


def parse_entry(name: str, entry: Any, optional: bool = False) -> Input:
    """One ``(type, options)`` entry as an ``Input``."""
    where = f"input {name!r}"
    if not isinstance(entry, (tuple, list)) or not entry:
        raise ComfyContractError(f"{where} must be a tuple (type,) or (type, options), not {entry!r:.60}")
    head = str(entry[0]) if isinstance(entry[0], str) else entry[0]  # a plain name: "*" types equal everything
    options = entry[1] if len(entry) > 1 else {}
    if not isinstance(options, Mapping):
        raise ComfyContractError(f"{where}: options must be a dict, not {type(options).__name__}")
    choices = None
    if isinstance(head, (list, tuple)):
        type_name, choices = COMBO, tuple(head)
    elif head == COMBO:
        listed = options.get("options") or ()
        if not isinstance(listed, (list, tuple)):
            raise ComfyContractError(f"{where}: option 'options' must be a list of choices, not {listed!r:.60}")
        type_name, choices = COMBO, tuple(listed)
    else:
        type_name = type_name_of(head, where)
    low, high = _bound(options, "min", where), _bound(options, "max", where)
    force_input = bool(options.get("forceInput") or options.get("defaultInput"))
    default = options.get("default", MISSING)
    if default is MISSING and not optional and not force_input:
        default = widget_default(type_name, choices, low, high)
    display = options.get("display")
    return Input(
        name, type_name, default, min=low, max=high, step=_bound(options, "step", where), choices=choices,
        multiline=bool(options.get("multiline")), optional=optional, lazy=bool(options.get("lazy")),
        tooltip=str(options.get("tooltip") or ""), display=display if isinstance(display, str) else None,
        randomize=bool(options.get("control_after_generate")), force_input=force_input,
        raw_link=bool(options.get("rawLink")),
    )


def type_name_of(head: Any, where: str) -> str:
    """A declared socket type as a name (``"IMAGE"``, ``"*"``, ``"INT,FLOAT"``)."""
    if not isinstance(head, str) or not head.strip():
        raise ComfyContractError(f"{where}: type must be a type name or a list of choices, not {head!r:.60}")
    return head.strip()


def widget_default(type_name: str, choices: tuple[Any, ...] | None, low: float | None, high: float | None) -> Any:
    """The value ComfyUI's editor starts a widget with; MISSING for sockets."""
    if type_name == COMBO:
        return choices[0] if choices else MISSING
    if type_name not in _WIDGET_DEFAULTS:
        return MISSING
    value = _WIDGET_DEFAULTS[type_name]
    if type_name in (INT, FLOAT):
        value = min(max(value, low if low is not None else value), high if high is not None else value)
        value = math.ceil(value) if type_name == INT else float(value)
    return value


def _bound(options: Mapping[str, Any], key: str, where: str) -> float | None:
    """A numeric option; infinite ones mean no bound (and would not survive JSON)."""
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ComfyContractError(f"{where}: option {key!r} must be a number, not {value!r:.60}")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer beyond the float range
        return None
    return value if finite else None
