"""What a world backend can do (``BackendInfo``), and how it says what it cannot (``UnsupportedEdit``).

Part of the world contract (``world/contract.py``); apart from it so the procedural timeline, which
the contract names, can use these without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .edits import EVENT_KINDS, ChangeShot, Edit, InsertCharacter, PlotEvent

Size = tuple[int, int]  # width, height
#: The fields of a canonical action (``world.actions``) a backend may follow.
ACTION_FIELDS = ("move", "look", "jump", "sprint", "crouch", "pose")
#: What Director edits need: ``characters`` (InsertCharacter), ``shots`` (ChangeShot), and each plot-event kind.
EDIT_FEATURES = ("characters", "shots", *EVENT_KINDS)


@dataclass(frozen=True)
class BackendInfo:
    """What a backend (for one world) can do, and what it needs to run."""

    name: str
    native_size: Size
    fps: int | None                   # the one frame rate it runs at, or None when any rate works
    actions: frozenset[str]           # of ACTION_FIELDS
    edits: frozenset[str]             # of EDIT_FEATURES
    gpu: bool = False                 # needs a GPU to run at a useful speed
    memory_mb: int = 0                # memory its weights and working set take (on the GPU when ``gpu``)
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "native_size": list(self.native_size), "fps": self.fps,
                "actions": sorted(self.actions), "edits": sorted(self.edits), "gpu": self.gpu,
                "memory_mb": self.memory_mb, "description": self.description}


class UnsupportedEdit(ValueError):
    """An edit, action or setting a backend cannot follow; ``field`` names the node input to change."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def edit_feature(edit: Edit) -> str:
    """The ``BackendInfo.edits`` entry an edit needs."""
    if isinstance(edit, InsertCharacter):
        return "characters"
    if isinstance(edit, ChangeShot):
        return "shots"
    if isinstance(edit, PlotEvent):
        return edit.kind
    raise TypeError(f"not a Director edit: {edit!r}")



def refuse_unsupported(info: BackendInfo, edit: Edit) -> None:
    """Raise ``UnsupportedEdit`` when ``info`` does not list what ``edit`` needs (generic wording:
    backends with better words for their limits check before calling this)."""
    feature = edit_feature(edit)
    if feature not in info.edits:
        can = ", ".join(sorted(info.edits)) or "no edits"
        raise UnsupportedEdit(_EDIT_INPUT[type(edit)], f"the {info.name} backend cannot follow "
                                                       f"{feature.replace('_', ' ')} edits (it follows {can})")


_EDIT_INPUT: dict[type, str] = {InsertCharacter: "archetype", ChangeShot: "shot", PlotEvent: "event"}
