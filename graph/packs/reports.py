"""What loading custom node packs found: one ``PackReport`` per pack, kept together in ``PackReports``.

The loader (``graph.packs.discovery.load_packs``) returns them; whoever loaded the packs keeps
them (the CLI lists them, the server serves them as ``GET /custom_nodes`` and the editor extensions).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOADED, FAILED, DISABLED = "loaded", "failed", "disabled"


@dataclass
class PackReport:
    name: str
    path: Path
    status: str = LOADED
    #: why the pack failed (``import failed: ModuleNotFoundError: ...``) or is disabled
    error: str = ""
    #: where it failed: the pack's own frames and the exception
    traceback: str = ""
    module: str = ""
    nodes: list[str] = field(default_factory=list)
    #: ``{"node": name, "error": text}`` for each node definition that was refused
    node_errors: list[dict[str, str]] = field(default_factory=list)
    #: ``{"node": name, "kept": source}`` for each node skipped because another source has it
    duplicates: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    slow: bool = False
    requirements: list[str] = field(default_factory=list)
    #: what ``worldgraph packs install`` would install for it: unsatisfied requirements, the module it lacked
    missing: list[str] = field(default_factory=list)
    web_directory: Path | None = None

    @property
    def source(self) -> str:
        """The source name of its nodes in the registry (``/object_info``'s ``source``)."""
        return f"custom_nodes/{self.name}"

    def where(self) -> str:
        """``custom node pack 'name' (custom_nodes/name)`` for messages."""
        return f"custom node pack {self.name!r} ({shown_path(self.path)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "path": str(self.path), "module": self.module, "status": self.status,
            "error": self.error, "traceback": self.traceback, "nodes": list(self.nodes),
            "node_errors": list(self.node_errors), "duplicates": list(self.duplicates),
            "warnings": list(self.warnings), "seconds": round(self.seconds, 4), "slow": self.slow,
            "requirements": list(self.requirements), "missing": list(self.missing),
        }


@dataclass(frozen=True)
class PackReports:
    """The reports of one load, in the order the packs were found; empty when none were loaded."""

    reports: tuple[PackReport, ...] = ()

    def __iter__(self) -> Iterator[PackReport]:
        return iter(self.reports)

    def __len__(self) -> int:
        return len(self.reports)


def shown_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies inside it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
