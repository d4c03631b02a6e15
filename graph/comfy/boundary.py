"""Values crossing into nodes written for ComfyUI's contract, and back, keyed by socket type.

Our values and ComfyUI's differ for some types (an ``IMAGE`` is uint8 ``[B,H,W,3]`` here and a float
tensor in 0..1 there). The graph layer knows no torch: node packages register the conversions
(the built-in nodes register ``IMAGE``). Values stay in the form of the node that made them: the executor
converts a value only where it crosses between a ComfyUI-contract node and one of ours, by the socket type our
side declares, so an IMAGE between two ComfyUI nodes stays ComfyUI's float tensor. Types without a converter,
and blockers, pass unchanged; a ``ComfyList`` is converted item by item.

Lists cross as ComfyUI has them: a ``ComfyList`` holds the items of a list output (or of a node run
once per item); the registry's codecs keep it a ``ComfyList`` through the disk cache.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import RegistryError
from .blocking import ExecutionBlocker


#: The codec name of ``ComfyList`` values in the disk cache.
COMFY_LIST_CODEC = "comfy.list"


class ComfyList(tuple[Any, ...]):
    """A ComfyUI list value: the items of an ``OUTPUT_IS_LIST`` output, or of a node run per item."""


def items_of(value: Any) -> list[Any]:
    """A ``ComfyList``'s items, or the value as a one-item list."""
    return list(value) if isinstance(value, ComfyList) else [value]


def per_item(arguments: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """ComfyUI's mapping of a node over lists: one call per item of the longest list, shorter lists repeating
    their last item."""
    count = max((len(items) for items in arguments.values()), default=1)
    return [{name: items[min(i, len(items) - 1)] if items else None for name, items in arguments.items()}
            for i in range(max(count, 1))]


def merge_ui(uis: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    """ComfyUI's merge of the UI payloads of several calls: lists under each key concatenated."""
    if not uis:
        return None
    merged: dict[str, Any] = {}
    for ui in uis:
        for key, value in ui.items():
            merged.setdefault(key, []).extend(value if isinstance(value, (list, tuple)) else [value])
    return merged


@dataclass(frozen=True)
class Converter:
    type_name: str
    to_comfy: Callable[[Any], Any]
    from_comfy: Callable[[Any], Any]


class BoundaryRegistry:
    def __init__(self) -> None:
        self._converters: dict[str, Converter] = {}

    def register(self, type_name: str, to_comfy: Callable[[Any], Any], from_comfy: Callable[[Any], Any]) -> None:
        """Convert values of socket type ``type_name`` with ``to_comfy`` on the way into a ComfyUI-style
        node and with ``from_comfy`` on the way out. One converter per type."""
        if type_name in self._converters:
            raise RegistryError(f"a boundary converter for {type_name!r} is already registered")
        self._converters[type_name] = Converter(type_name, to_comfy, from_comfy)

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._converters

    def to_comfy(self, type_name: str, value: Any) -> Any:
        converter = self._converters.get(type_name)
        return value if converter is None else _each(value, converter.to_comfy)

    def from_comfy(self, type_name: str, value: Any) -> Any:
        converter = self._converters.get(type_name)
        return value if converter is None else _each(value, converter.from_comfy)


def _each(value: Any, convert: Callable[[Any], Any]) -> Any:
    """``value`` converted: each item of a ``ComfyList``; None and blockers as they are."""
    if isinstance(value, ComfyList):
        return ComfyList(_each(item, convert) for item in value)
    return value if value is None or isinstance(value, ExecutionBlocker) else convert(value)
