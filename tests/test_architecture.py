"""The layer arrows of docs/architecture.md, read from the source: every import (inside functions and
``if TYPE_CHECKING:`` too) of every module, and no import cycle inside graph/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("graph", "world", "media", "live", "nodes", "webserver")
#: layer -> top-level modules it must never import
FORBIDDEN = {
    "graph": {"world", "media", "live", "nodes", "server", "webserver"},
    "world": {"graph", "nodes", "server", "webserver", "media", "live"},
    "media": {"graph", "nodes", "server", "webserver", "world", "live"},
    "live": {"graph", "nodes", "server", "webserver"},
    "nodes": {"server", "webserver"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources(*layers: str) -> dict[str, Path]:
    """Module name -> file, for every .py file of the layers (and server.py)."""
    found = {module_name(p): p for layer in layers if (ROOT / layer).is_dir() for p in (ROOT / layer).rglob("*.py")}
    if (ROOT / "server.py").is_file():
        found["server"] = ROOT / "server.py"
    return found


def imports(module: str, path: Path) -> set[str]:
    """Every module ``module`` imports, relative imports resolved, with the packages they run."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            named.add(base)
            named.update(f"{base}.{alias.name}" for alias in node.names)  # `from . import x` may be a module
    # importing a.b.c runs a/__init__ and a/b/__init__ first
    return {".".join(name.split(".")[:i]) for name in named for i in range(1, name.count(".") + 2)}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_downwards(layer: str) -> None:
    modules = sources(*LAYERS) if layer != "nodes" else sources("nodes")
    wrong = sorted(f"{module} imports {name}" for module, path in modules.items()
                   if module.split(".")[0] == layer for name in imports(module, path)
                   if name.split(".")[0] in FORBIDDEN[layer])
    assert wrong == []


def test_server_imports_no_world_or_media_internals() -> None:
    modules = {m: p for m, p in sources(*LAYERS).items() if m == "server" or m.startswith("webserver")}
    wrong = sorted(f"{module} imports {name}" for module, path in modules.items() for name in imports(module, path)
                   if name.split(".")[0] in ("world", "media"))
    assert wrong == []


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``edges`` as a path ``[a, b, ..., a]``, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(edges):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(edges[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(edges.get(nxt, ()))))
    return None


def test_graph_has_no_import_cycle() -> None:
    modules = sources("graph")
    modules.pop("server", None)
    edges = {module: {name for name in imports(module, path) if name in modules and name != module}
             for module, path in modules.items()}
    # graph/__init__ re-exports the package: a submodule importing `graph` itself would be a cycle too,
    # but every submodule's own package __init__ necessarily runs first, so that edge is not one.
    for module in edges:
        edges[module] -= {p for p in edges[module] if module.startswith(p + ".")}
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    assert imports("graph.comfy.nodes", ROOT / "graph" / "comfy" / "nodes.py") >= {"graph.registry", "graph.comfy",
                                                                                   "graph.comfy.inputs"}
