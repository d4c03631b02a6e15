"""Node packages and custom node packs: how a registry is filled beyond the graph layer's own code.

- ``plugins``: installed node packages (the built-in ``nodes`` included), found by entry point.
- ``options``: which custom node folders and packs to load (the CLI's and the server's flags).
- ``discovery``: custom node packs found in folders, each imported in isolation into the registry.
- ``reports``: what loading them found, per pack; the caller keeps the ``PackReports``.
- ``extensions``: the packs' editor extensions, served by the server.

Typical use::

    registry = load_registry()
    packs = load_packs(registry, PackOptions((Path("custom_nodes"),)))
"""

from .discovery import discover, load_packs, requirements
from .extensions import content_type, extension_file, listing, scripts
from .options import PackOptions, add_arguments, from_arguments
from .plugins import load_registry
from .reports import DISABLED, FAILED, LOADED, PackReport, PackReports

__all__ = [
    "DISABLED", "FAILED", "LOADED", "PackOptions", "PackReport", "PackReports", "add_arguments",
    "content_type", "discover", "extension_file", "from_arguments", "listing", "load_packs", "load_registry",
    "requirements", "scripts",
]
