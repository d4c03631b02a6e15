"""Nodes talk to worlds only through the world contract: no isinstance on a backend's types, no
unions of timeline classes, and no backend internals outside each backend's own loader node."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

NODES = Path(__file__).resolve().parents[2] / "nodes"
#: the backends' own types, which only their loader nodes (and the registration) may name
BACKEND_TYPES = {"Timeline", "LatentTimeline", "LearnedWorld", "LatentState", "SimState", "LearnedModel",
                 "ProceduralBackend", "LearnedBackend"}
#: what a loader node may build: its backend's WORLD value
LOADERS = {"world.py": {"Timeline"}, "learned.py": set(), "__init__.py": {"ProceduralBackend", "LearnedBackend"}}


def _modules() -> list[Path]:
    return sorted(NODES.glob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_nodes_never_branch_on_a_backends_types(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        if isinstance(call.func, ast.Name) and call.func.id == "isinstance":
            named = {n.id for n in ast.walk(call.args[1]) if isinstance(n, ast.Name)}
            assert not named & BACKEND_TYPES, f"{path.name}:{call.lineno}: isinstance on {named & BACKEND_TYPES}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_nodes_name_backend_types_only_to_build_their_own_world(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {alias.asname or alias.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
              for alias in n.names}
    allowed = LOADERS.get(path.name, set())
    assert not (names & BACKEND_TYPES) - allowed, f"{path.name} names {sorted((names & BACKEND_TYPES) - allowed)}"
