"""Socket types: what may flow on a wire, and which outputs may feed which inputs.

Types are plain names (``"IMAGE"``); a socket may accept several (``"IMAGE,VIDEO"``) and ``"*"``
matches anything. The graph layer knows the names of the built-in types, never their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import RegistryError

ANY = "*"
INT = "INT"
FLOAT = "FLOAT"
STRING = "STRING"
BOOLEAN = "BOOLEAN"
COMBO = "COMBO"
IMAGE = "IMAGE"
WORLD = "WORLD"
LATENT = "LATENT"
VIDEO = "VIDEO"
AUDIO = "AUDIO"

#: Types whose values can be typed into a widget (and so appear as constants in a workflow).
WIDGET_TYPES = frozenset({INT, FLOAT, STRING, BOOLEAN, COMBO})


@dataclass(frozen=True)
class SocketType:
    name: str
    description: str
    color: str

    def to_dict(self) -> dict[str, str | bool]:
        return {
            "name": self.name,
            "description": self.description,
            "color": self.color,
            "widget": self.name in WIDGET_TYPES,
        }


_BUILTIN_TYPES = (
    SocketType(ANY, "anything", "#9ca3af"),
    SocketType(INT, "an integer", "#7dd3fc"),
    SocketType(FLOAT, "a floating-point number", "#a5b4fc"),
    SocketType(STRING, "text", "#86efac"),
    SocketType(BOOLEAN, "true or false", "#fca5a5"),
    SocketType(COMBO, "one of a list of choices", "#d8b4fe"),
    SocketType(IMAGE, "uint8 RGB frames [N,H,W,3]", "#64b5f6"),
    SocketType(WORLD, "a world handle: backend name and world spec", "#4ade80"),
    SocketType(LATENT, "a world timeline: states over time and the edits applied to it", "#f472b6"),
    SocketType(VIDEO, "a lazy, segmented stream of uint8 frames, maybe with audio", "#fbbf24"),
    SocketType(AUDIO, "a 48 kHz stereo float32 track with its start time", "#fb923c"),
)


def split_types(name: str) -> frozenset[str]:
    """``"IMAGE, VIDEO"`` -> ``{"IMAGE", "VIDEO"}``."""
    return frozenset(part.strip() for part in name.split(",") if part.strip())


class TypeRegistry:
    """The socket types known to one node registry; packs add their own."""

    def __init__(self) -> None:
        self._types: dict[str, SocketType] = {t.name: t for t in _BUILTIN_TYPES}

    def register(self, name: str, description: str = "", color: str = "#9ca3af") -> SocketType:
        """Add a socket type. Registering the same name twice is refused."""
        if not name or "," in name or name != name.strip() or not name.isprintable():
            raise RegistryError(f"socket type name {name!r} must be non-empty, printable, without commas")
        if name in self._types:
            raise RegistryError(f"socket type {name!r} is already registered")
        socket_type = SocketType(name, description, color)
        self._types[name] = socket_type
        return socket_type

    def __contains__(self, name: str) -> bool:
        parts = split_types(name)
        return bool(parts) and parts <= self._types.keys()

    def unknown_parts(self, name: str) -> list[str]:
        parts = split_types(name)
        return sorted(parts - self._types.keys()) if parts else [name]

    def compatible(self, produced: str, accepted: str) -> bool:
        """May an output of type ``produced`` feed an input of type ``accepted``?"""
        produced_set, accepted_set = split_types(produced), split_types(accepted)
        if ANY in produced_set or ANY in accepted_set:
            return True
        return bool(produced_set & accepted_set)

    def describe(self) -> dict[str, dict[str, str | bool]]:
        return {name: t.to_dict() for name, t in self._types.items()}
