"""Values crossing into nodes written for ComfyUI's contract, and back, keyed by socket type.

Our values and ComfyUI's differ for some types (an ``IMAGE`` is uint8 ``[B,H,W,3]`` here and a float
tensor in 0..1 there). The graph layer knows no torch: node packages register the conversions
(the built-in nodes register ``IMAGE``), and the ComfyUI adapter applies them to every input and
output of that exact type. Types without a converter pass unchanged.

Lists cross as ComfyUI has them: a ``ComfyList`` holds the items of a list output (or of a node run
once per item); the registry's codecs keep it a ``ComfyList`` through the disk cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import RegistryError


#: The codec name of ``ComfyList`` values in the disk cache.
COMFY_LIST_CODEC = "comfy.list"


class ComfyList(tuple[Any, ...]):
    """A ComfyUI list value: the items of an ``OUTPUT_IS_LIST`` output, or of a node run per item."""


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
        return value if converter is None or value is None else converter.to_comfy(value)

    def from_comfy(self, type_name: str, value: Any) -> Any:
        converter = self._converters.get(type_name)
        return value if converter is None or value is None else converter.from_comfy(value)
