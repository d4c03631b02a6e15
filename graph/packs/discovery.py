"""Custom node packs: found in folders at start-up, each imported in isolation, and reported.

A pack is a folder with an ``__init__.py``, or a single ``.py`` file, inside a custom nodes folder
(``ROOT/custom_nodes`` and any others configured). Each is imported under its own module name
(``custom_nodes.<pack>``). A pack adds nodes in one or both of two ways:

- ``register(registry)``: our node API (``docs/custom-nodes.md``). Node classes it registers are
  added once ``register`` returns, so a pack whose ``register`` raises adds none.
- ``NODE_CLASS_MAPPINGS`` (and ``NODE_DISPLAY_NAME_MAPPINGS``): ComfyUI's contract; classes are
  wrapped by ``graph.comfy.nodes`` (``Node`` subclasses there are registered as they are).

``WEB_DIRECTORY`` names a folder of editor extensions inside the pack (served by the server).

Nothing a pack does can stop the others: an exception or a syntax error at import fails that pack,
an invalid node definition fails that node, and a node name taken already is skipped (the first
pack wins). Every outcome is logged and kept in a ``PackReport``, with the load time, the pack's
declared requirements (shown, never installed) and its web folder; ``load_packs`` returns them as
``PackReports``, which its caller (the CLI, the server) keeps.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import time
import tomllib
import traceback
import types
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from ..comfy import surface as comfy_surface
from ..comfy.nodes import adapt
from .extensions import editor_scripts
from .requirements import guard_installs, missing
from ..errors import RegistryError
from ..node import Node
from ..paths import PathOutsideFolder, resolve_inside
from ..registry import NodeRegistry
from .options import PackOptions
from .reports import DISABLED, FAILED, LOADED, PackReport, PackReports, shown_path

log = logging.getLogger("graph.packs")  # the name users filter by (docs/custom-nodes.md)

#: the parent module of every pack's module
PARENT_MODULE = "custom_nodes"
_DISABLED_SUFFIX = ".disabled"


class PackRegistrar:
    """The registry a pack's ``register(registry)`` receives: node classes are collected and added
    (each checked on its own) once ``register`` returns; types, codecs, boundary converters and
    workflow readers go straight to the real registry."""

    def __init__(self, registry: NodeRegistry) -> None:
        self.types = registry.types
        self.codecs = registry.codecs
        self.boundary = registry.boundary
        self.register_workflow_reader = registry.register_workflow_reader
        self.collected: list[type[Node]] = []

    def register(self, node_class: type[Node], source: str | None = None) -> type[Node]:
        self.collected.append(node_class)
        return node_class

    def register_all(self, node_classes: Iterable[type[Node]], source: str | None = None) -> None:
        self.collected.extend(node_classes)


def discover(folder: Path) -> list[tuple[str, Path, bool]]:
    """``(name, path, renamed_disabled)`` of each pack in ``folder``, sorted by name.

    A pack named ``x.disabled`` is found as ``x``, disabled.
    """
    if not folder.is_dir():
        return []
    found = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        name = entry.name.removesuffix(_DISABLED_SUFFIX)
        if name.startswith((".", "_")):
            continue
        if entry.is_dir() and (entry / "__init__.py").is_file():
            found.append((name, entry, name != entry.name))
        elif entry.is_file() and name.endswith(".py"):
            found.append((name.removesuffix(".py"), entry, name != entry.name))
    return found


def load_packs(registry: NodeRegistry, options: PackOptions) -> PackReports:
    """Load every pack found in ``options.paths`` into ``registry``; one report per pack found."""
    comfy_surface.make_importable()  # ComfyUI's modules a pack written for ComfyUI imports
    reports: list[PackReport] = []
    first: dict[str, PackReport] = {}
    modules: set[str] = set()
    for folder in options.paths:
        for name, path, renamed in discover(folder):
            report = PackReport(name, path, requirements=requirements(path))
            reports.append(report)
            reason = _disabled_reason(name, options, renamed, first.get(name))
            first.setdefault(name, report)
            if reason:
                report.status, report.error = DISABLED, reason
                log.info("%s: disabled: %s", report.where(), reason)
                continue
            report.module = _module_name(name, modules)
            _load(registry, report, options.slow_seconds)
    unknown = sorted((options.allow or frozenset()) - first.keys()) if options.enabled else []
    if unknown:
        log.warning("--custom-nodes-allow names pack(s) not found: %s", ", ".join(unknown))
    return PackReports(tuple(reports))


def _disabled_reason(name: str, options: PackOptions, renamed: bool, earlier: PackReport | None) -> str:
    if earlier is not None:
        return f"a pack of the same name comes first: {shown_path(earlier.path)}"
    if not options.enabled:
        return "custom nodes are disabled (--disable-custom-nodes)"
    if renamed:
        return f"its name ends in {_DISABLED_SUFFIX}"
    if options.allow is not None and name not in options.allow:
        return "not in the allow-list (--custom-nodes-allow)"
    return ""


def _module_name(name: str, taken: set[str]) -> str:
    """``custom_nodes.<name>`` as an identifier, unique within one load."""
    identifier = re.sub(r"\W", "_", name)
    identifier = f"_{identifier}" if identifier[:1].isdigit() else identifier
    candidate, counter = identifier, 2
    while candidate in taken:
        candidate, counter = f"{identifier}_{counter}", counter + 1
    taken.add(candidate)
    return f"{PARENT_MODULE}.{candidate}"


def _load(registry: NodeRegistry, report: PackReport, slow_seconds: float) -> None:
    started = time.perf_counter()
    try:
        with guard_installs(report.name) as refused:
            module = _import(report)
    except (Exception, SystemExit) as error:
        _fail(report, "import failed", error)
    else:
        if refused:  # the pack caught the refusal and went on: say what it tried
            report.warnings.append(f"tried to run {refused[0]!r} while loading (refused; see "
                                   f"'worldgraph packs install {report.name}')")
        _register(registry, report, module)
        _web_directory(report, module)
    report.seconds = time.perf_counter() - started
    report.slow = report.seconds > slow_seconds
    if report.slow:
        log.warning("%s took %.2f s to load (more than %g s)", report.where(), report.seconds, slow_seconds)
    if report.status == LOADED:
        log.info("%s: %d node(s) in %.3f s", report.where(), len(report.nodes), report.seconds)


def _import(report: PackReport) -> types.ModuleType:
    """Execute the pack as a fresh module ``report.module`` (a package when it is a folder)."""
    if PARENT_MODULE not in sys.modules:
        parent = types.ModuleType(PARENT_MODULE, "Custom node packs, each loaded by graph.packs.")
        parent.__path__ = []
        sys.modules[PARENT_MODULE] = parent
    _forget(report.module)
    package = report.path.is_dir()
    spec = importlib.util.spec_from_file_location(
        report.module, report.path / "__init__.py" if package else report.path,
        submodule_search_locations=[str(report.path)] if package else None)
    if spec is None or spec.loader is None:
        raise ImportError(f"{report.path} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[report.module] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        _forget(report.module)
        raise
    return module


def _forget(module: str) -> None:
    """Drop ``module`` and its submodules from ``sys.modules`` (a reload starts fresh)."""
    for name in [n for n in sys.modules if n == module or n.startswith(module + ".")]:
        del sys.modules[name]


def _register(registry: NodeRegistry, report: PackReport, module: types.ModuleType) -> None:
    register = getattr(module, "register", None)
    mappings = getattr(module, "NODE_CLASS_MAPPINGS", None)
    names = getattr(module, "NODE_DISPLAY_NAME_MAPPINGS", None) or {}
    if mappings is not None and not (isinstance(mappings, dict) and isinstance(names, dict)):
        report.status, report.error = FAILED, "NODE_CLASS_MAPPINGS and NODE_DISPLAY_NAME_MAPPINGS must be dicts"
        log.warning("%s: %s", report.where(), report.error)
        return
    if callable(register):
        registrar = PackRegistrar(registry)
        try:
            register(registrar)
        except Exception as error:
            _fail(report, "register() failed", error)
            return
        for node_class in registrar.collected:
            _add(registry, report, _node_name(node_class), partial(_as_is, node_class))
    for name, node_class in (mappings or {}).items():
        if isinstance(node_class, type) and issubclass(node_class, Node):
            _add(registry, report, _node_name(node_class), partial(_as_is, node_class))
        else:
            _add(registry, report, str(name),
                 partial(adapt, str(name), node_class, registry, names.get(name), report.source))
    if not callable(register) and mappings is None and getattr(module, "WEB_DIRECTORY", None) is None:
        report.warnings.append("defines nothing: no register(registry), NODE_CLASS_MAPPINGS or WEB_DIRECTORY")


def _as_is(node_class: type[Node]) -> type[Node]:
    return node_class


def _node_name(node_class: Any) -> str:
    """A native node class's name: its schema's, or the class name when it has no schema."""
    return str(getattr(getattr(node_class, "schema", None), "name", getattr(node_class, "__name__", node_class)))


def _add(registry: NodeRegistry, report: PackReport, name: str, make: Callable[[], type[Node]]) -> None:
    """Register one node of the pack: skipped when the name is taken, reported when it is invalid."""
    if name in registry:
        kept = registry.source(name)
        report.duplicates.append({"node": name, "kept": kept})
        log.warning("%s: node %r is already registered by %s; kept that one, skipped this one",
                    report.where(), name, kept)
        return
    try:
        registry.register(make(), report.source)
    except Exception as error:  # a broken definition fails that node only
        message = str(error) if isinstance(error, RegistryError) else f"{type(error).__name__}: {error}"
        report.node_errors.append({"node": name, "error": message})
        log.warning("%s: node %r refused: %s", report.where(), name, message)
        return
    report.nodes.append(name)


def _web_directory(report: PackReport, module: types.ModuleType) -> None:
    web = getattr(module, "WEB_DIRECTORY", None)
    if web is None:
        return
    base = report.path if report.path.is_dir() else report.path.parent
    try:
        folder = resolve_inside(base, str(web))
    except PathOutsideFolder as refused:
        problem = f"WEB_DIRECTORY: {refused}"
    else:
        if folder.is_dir():
            report.web_directory = folder
            left_out = editor_scripts(folder)[1]
            if left_out:
                report.warnings.append(f"{len(left_out)} editor script(s) written for ComfyUI's own editor (they "
                                       f"import its scripts/app.js) are not loaded; the pack's nodes work")
            return
        problem = f"WEB_DIRECTORY {web!r} is not a folder"
    report.warnings.append(f"{problem}; no editor extensions served")
    log.warning("%s: %s", report.where(), report.warnings[-1])


def _fail(report: PackReport, what: str, error: BaseException) -> None:
    report.status = FAILED
    report.error = f"{what}: {type(error).__name__}: {error}"
    report.missing = missing(report.requirements, report.error) if isinstance(error, ImportError) else []
    if report.missing:
        report.error += (f" (missing: {', '.join(report.missing)}; nothing is installed automatically: run "
                         f"'worldgraph packs install {report.name}')")
    report.traceback = _summary(error)
    log.warning("%s: %s", report.where(), report.error)


def _summary(error: BaseException) -> str:
    """The pack's frames of the traceback (no import machinery, no loader) and the exception."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not frame.filename.startswith("<frozen") and frame.filename != __file__]
    lines = [*traceback.format_list(frames[-8:]), *traceback.format_exception_only(type(error), error)]
    return "".join(lines).rstrip()


def requirements(path: Path) -> list[str]:
    """What a pack folder's ``requirements.txt`` and ``pyproject.toml`` ask for (never installed)."""
    if not path.is_dir():
        return []
    found: list[str] = []
    listed = path / "requirements.txt"
    if listed.is_file():
        for line in listed.read_text(encoding="utf-8", errors="replace").splitlines():
            line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
            if line and not line.startswith("-"):
                found.append(line)
    project = path / "pyproject.toml"
    if project.is_file():
        try:
            declared = tomllib.loads(project.read_text(encoding="utf-8")).get("project", {}).get("dependencies", [])
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, AttributeError):
            declared = []
        found.extend(str(item) for item in declared if isinstance(item, str))
    return list(dict.fromkeys(found))
