"""Which custom node packs to load: folders, the switch, the allow-list and the slow-pack threshold.

Shared by ``worldgraph run/validate/nodes`` and ``worldgraph serve``: ``add_arguments(parser)``
adds the flags, ``from_arguments(args, root)`` reads them. The environment may add folders too:
``WORLDGRAPH_CUSTOM_NODES`` (separated by ``os.pathsep``).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENT = "WORLDGRAPH_CUSTOM_NODES"
DEFAULT_SLOW_SECONDS = 1.0


@dataclass(frozen=True)
class PackOptions:
    #: folders searched for packs, in order (an earlier pack wins a duplicate node name)
    paths: tuple[Path, ...] = ()
    #: False: list the packs found, load none (``--disable-custom-nodes``)
    enabled: bool = True
    #: pack names that may load; None: every pack
    allow: frozenset[str] | None = None
    #: a pack taking longer than this to load is named in a warning
    slow_seconds: float = DEFAULT_SLOW_SECONDS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("custom nodes")
    group.add_argument("--custom-nodes-path", action="append", default=[], type=Path, metavar="DIR",
                       help="another folder of custom node packs (repeatable; ROOT/custom_nodes is always searched)")
    group.add_argument("--disable-custom-nodes", action="store_true", help="load no custom node packs")
    group.add_argument("--custom-nodes-allow", metavar="PACK,PACK", default=None,
                       help="load only these packs (by folder or file name); the others are listed as disabled")
    group.add_argument("--slow-pack-seconds", type=float, default=DEFAULT_SLOW_SECONDS, metavar="S",
                       help=f"warn about packs that take longer to load (default: {DEFAULT_SLOW_SECONDS:g})")


def from_arguments(args: argparse.Namespace, root: Path) -> PackOptions:
    """``root/custom_nodes``, then ``--custom-nodes-path`` folders, then ``WORLDGRAPH_CUSTOM_NODES``."""
    extra = [Path(p) for p in os.environ.get(ENVIRONMENT, "").split(os.pathsep) if p]
    paths: list[Path] = []
    for path in (root / "custom_nodes", *args.custom_nodes_path, *extra):
        if path.absolute() not in paths:
            paths.append(path.absolute())
    allow = args.custom_nodes_allow
    names = frozenset(name.strip() for name in allow.split(",") if name.strip()) if allow is not None else None
    return PackOptions(tuple(paths), not args.disable_custom_nodes, names, args.slow_pack_seconds)
