"""``worldgraph``: run, validate and list nodes from the command line.

Exit codes: 0 ok, 1 a node failed, 2 the workflow (or an argument) is invalid, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TextIO

from .errors import Interrupted, NodeExecutionError, WorkflowError, WorkflowFormatError, WorkflowInvalid
from .events import Event, Interrupt, NodeCached, NodeDone, NodeProgress, NodeStarted, RunDone, RunStarted
from .cluster.connect import ClusterUnavailable
from .comfy.object_info import object_info
from .packs.requirements import install as install_requirements
from .packs.requirements import unsatisfied
from .packs import PackReports, load_packs, load_registry
from .packs import add_arguments as add_pack_arguments
from .packs import from_arguments as pack_options
from .registry import NodeRegistry
from .runtime import create_executor
from .types import COMBO, STRING
from .validation import plan
from .workflow import Workflow, read_text

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130
#: packages add subcommands here: ``add(subparsers)`` (the server adds ``serve``)
COMMAND_GROUP = "worldgraph.commands"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except BrokenPipeError:
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="worldgraph", description="Node graphs for AI world models.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a workflow headless")
    run.add_argument("workflow", type=Path)
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="NODE.INPUT=VALUE",
                     help="set an input; NODE is a node id, a title or a class name used once")
    run.add_argument("--out", type=Path, default=Path("output"), help="output folder (default: ./output)")
    run.add_argument("--input", type=Path, default=Path("input"), help="input folder (default: ./input)")
    run.add_argument("--cache-dir", type=Path, default=None, help="disk cache (default: ~/.cache/worldgraph)")
    run.add_argument("--no-disk-cache", action="store_true", help="keep the cache in memory only")
    run.add_argument("--output", dest="outputs", action="append", metavar="NODE",
                     help="run only this output node (repeatable; default: every output node)")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    run.add_argument("--cluster", metavar="ADDRESS", help="render video segments in parallel on a Ray cluster: "
                     "'local', 'auto' or the head's HOST:PORT (docs/cluster.md)")
    run.add_argument("--cluster-cpus", type=int, metavar="N", help="CPUs of a --cluster local (default: all)")
    add_pack_arguments(run)
    run.set_defaults(command=_run)

    validate = commands.add_parser("validate", help="check a workflow without running it")
    validate.add_argument("workflow", type=Path)
    validate.add_argument("--json", action="store_true")
    add_pack_arguments(validate)
    validate.set_defaults(command=_validate)

    inspect = commands.add_parser("inspect", help="print the workflow embedded in an output file (PNG, MP4...)")
    inspect.add_argument("file", type=Path)
    add_pack_arguments(inspect)
    inspect.set_defaults(command=_inspect)

    nodes = commands.add_parser("nodes", help="list the available nodes")
    nodes.add_argument("--json", action="store_true", help="the full description (ComfyUI's object_info shape)")
    add_pack_arguments(nodes)
    nodes.set_defaults(command=_nodes)
    packs = commands.add_parser("packs", help="custom node packs: what they lack, and installing it when you ask")
    pack_commands = packs.add_subparsers(dest="pack_command", required=True)
    listing = pack_commands.add_parser("list", help="each pack's status and what it lacks")
    add_pack_arguments(listing)
    listing.set_defaults(command=_packs_list)
    install = pack_commands.add_parser("install", help="pip-install what a pack lacks into this environment")
    install.add_argument("pack", help="the pack's folder or file name")
    add_pack_arguments(install)
    install.set_defaults(command=_packs_install)
    for entry_point in sorted(entry_points(group=COMMAND_GROUP), key=lambda ep: ep.name):
        entry_point.load()(commands)  # e.g. the server's "serve"
    return parser


def _loaded(args: argparse.Namespace) -> tuple[NodeRegistry, PackReports]:
    """Built-in nodes, installed packages and the custom node packs of ./custom_nodes (and the flags'),
    with the packs' reports."""
    registry = load_registry()
    return registry, load_packs(registry, pack_options(args, Path.cwd()))


def _registry(args: argparse.Namespace) -> NodeRegistry:
    return _loaded(args)[0]


# ---- run -------------------------------------------------------------------------------------
def _run(args: argparse.Namespace) -> int:
    registry = _registry(args)
    try:
        workflow = Workflow.load(args.workflow, registry)
        for override in args.overrides:
            apply_override(workflow, registry, override)
        outputs = [workflow.find_node(ref) for ref in args.outputs] if args.outputs else None
    except WorkflowError as error:
        return _fail(args, EXIT_INVALID, {"kind": "invalid", "message": str(error)})
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")  # e.g. an unusable cache
    try:
        executor = create_executor(".", registry=registry, output_dir=args.out, input_dir=args.input,
                                   cache_dir=args.cache_dir, disk_cache=not args.no_disk_cache,
                                   cluster=args.cluster, cluster_cpus=args.cluster_cpus)
    except ClusterUnavailable as error:
        return _fail(args, EXIT_INVALID, {"kind": "cluster", "message": str(error)})
    interrupt = Interrupt()
    previous = signal.signal(signal.SIGINT, lambda *_: _interrupt_once(interrupt, previous))
    progress = ProgressDisplay(sys.stderr) if sys.stderr.isatty() else None
    try:
        result = executor.run(workflow, outputs, on_event=progress, interrupt=interrupt)
    except WorkflowInvalid as invalid:
        return _fail(args, EXIT_INVALID, {"kind": "invalid", "message": str(invalid),
                                          "errors": [e.to_dict() for e in invalid.errors]})
    except NodeExecutionError as error:
        return _fail(args, EXIT_FAILED, {"kind": "node_failed", **error.to_dict()}, error.traceback)
    except Interrupted as interrupted:
        return _fail(args, EXIT_INTERRUPTED, {"kind": "interrupted", "node_id": interrupted.node_id,
                                              "executed": interrupted.executed})
    finally:
        signal.signal(signal.SIGINT, previous)
        if progress:
            progress.close()
    summary = {
        "outputs": {node_id: [str(path) for path in paths] for node_id, paths in result.files.items()},
        "executed": result.executed,
        "cached": result.cached,
        "seconds": round(result.seconds, 6),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        for node_id, paths in result.files.items():
            for path in paths:
                print(f"node {node_id}: {path}")
        print(f"done in {result.seconds:.2f} s: {len(result.executed)} executed, {len(result.cached)} from cache",
              file=sys.stderr)
    return EXIT_OK


def _interrupt_once(interrupt: Interrupt, previous: Any) -> None:
    """First Ctrl+C stops at the next node boundary; a second one stops at once."""
    if interrupt.requested:
        signal.signal(signal.SIGINT, previous)
        raise KeyboardInterrupt
    print("\ninterrupting at the next node boundary (Ctrl+C again to abort)...", file=sys.stderr)
    interrupt.request()


def apply_override(workflow: Workflow, registry: NodeRegistry, override: str) -> None:
    """``NODE.INPUT=VALUE``: text inputs take VALUE as is, others parse it as JSON."""
    target, sep, raw = override.partition("=")
    node_ref, dot, input_name = target.rpartition(".")
    if not sep or not dot or not node_ref or not input_name:
        raise WorkflowFormatError(f"--set {override!r}: expected NODE.INPUT=VALUE")
    node_id = workflow.find_node(node_ref)
    class_type = workflow.nodes[node_id].class_type
    spec = registry.get(class_type).schema.input(input_name) if class_type in registry else None
    if class_type in registry and spec is None:
        raise WorkflowFormatError(f"--set {override!r}: node {node_id} ({class_type}) has no input {input_name!r}")
    workflow.set_input(node_id, input_name, parse_value(raw, spec.type if spec else None))


def parse_value(raw: str, input_type: str | None) -> Any:
    if input_type in (STRING, COMBO):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _fail(args: argparse.Namespace, code: int, error: dict[str, Any], detail: str | None = None) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": error}))
    else:
        if detail:
            print(detail, file=sys.stderr, end="")
        print(f"error: {error['message'] if 'errors' in error else _describe(error)}", file=sys.stderr)
    return code


def _describe(error: dict[str, Any]) -> str:
    if error["kind"] == "node_failed":
        return f"node {error['node_id']} ({error['class_type']}) failed: {error['exception_type']}: {error['message']}"
    if error["kind"] == "interrupted":
        return f"interrupted after {len(error['executed'])} node(s)"
    return error["message"]


class ProgressDisplay:
    """Progress on a terminal: one bar over the run's nodes, the current node's progress beside it."""

    def __init__(self, stream: TextIO) -> None:
        from tqdm import tqdm  # only needed on a terminal

        self._bar = tqdm(total=0, unit="node", file=stream, leave=False, dynamic_ncols=True)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._bar.reset(total=event.planned)
        elif isinstance(event, (NodeCached, NodeDone)):
            self._bar.update(1)
        elif isinstance(event, NodeStarted):
            self._bar.set_description(f"{event.node_id} {event.class_type}")
        elif isinstance(event, NodeProgress):
            shown = f"{event.value:g}/{event.maximum:g}" if event.maximum else f"{event.value:g}"
            self._bar.set_postfix_str(shown)
        elif isinstance(event, RunDone):
            self._bar.n = self._bar.total
            self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


# ---- validate and nodes ----------------------------------------------------------------------
def _validate(args: argparse.Namespace) -> int:
    registry = _registry(args)
    try:
        workflow = Workflow.load(args.workflow, registry)
        checked = plan(workflow, registry)
    except WorkflowInvalid as invalid:
        if args.json:
            print(json.dumps({"valid": False, "errors": [e.to_dict() for e in invalid.errors]}))
        else:
            print(invalid, file=sys.stderr)
        return EXIT_INVALID
    except WorkflowError as error:
        if args.json:
            print(json.dumps({"valid": False, "errors": [{"node_id": None, "message": str(error)}]}))
        else:
            print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        print(json.dumps({"valid": True, "outputs": checked.targets, "nodes": len(checked.order),
                          "warnings": [w.to_dict() for w in checked.warnings]}))
    else:
        for warning in checked.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"ok: {len(checked.order)} node(s) to run for output(s) {', '.join(checked.targets)}")
    return EXIT_OK


def _inspect(args: argparse.Namespace) -> int:
    registry = _registry(args)
    try:
        workflow = Workflow.from_json(read_text(args.file, registry), registry, source=str(args.file))
    except WorkflowError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(workflow.to_json())
    return EXIT_OK


def _nodes(args: argparse.Namespace) -> int:
    registry, packs = _loaded(args)
    described = object_info(registry)
    if args.json:
        print(json.dumps(described, indent=2))
        return EXIT_OK
    by_category: dict[str, list[dict[str, Any]]] = {}
    for info in described.values():
        by_category.setdefault(info["category"], []).append(info)
    for category in sorted(by_category):
        print(f"{category}:")
        for info in by_category[category]:
            inputs = ", ".join([*info["input_order"]["required"], *(f"[{n}]" for n in info["input_order"]["optional"])])
            outputs = ", ".join(f"{n}:{t}" for n, t in zip(info["output_name"], info["output"], strict=True))
            print(f"  {info['name']:<22} ({inputs}) -> ({outputs})")
    if packs:
        print("custom node packs:")
    for pack in packs:
        detail = pack.error or f"{len(pack.nodes)} node(s) in {pack.seconds:.3f} s"
        print(f"  {pack.name:<22} {pack.status:<8} {detail}")
    return EXIT_OK


def _packs_list(args: argparse.Namespace) -> int:
    _, packs = _loaded(args)
    for pack in packs:
        print(f"{pack.name:<34} {pack.status:<8} {len(pack.nodes)} node(s)"
              + (f"; missing: {', '.join(pack.missing)}" if pack.missing else "")
              + (f"\n    {pack.error}" if pack.error else ""))
    return EXIT_OK


def _packs_install(args: argparse.Namespace) -> int:
    """Install what the pack lacks (its unmet requirements, the module its import did not find): the one
    install Worldgraph does, and only when asked."""
    _, packs = _loaded(args)
    pack = next((p for p in packs if p.name == args.pack), None)
    if pack is None:
        print(f"no custom node pack {args.pack!r}; packs: {', '.join(p.name for p in packs) or 'none'}",
              file=sys.stderr)
        return EXIT_INVALID
    wanted = pack.missing or unsatisfied(pack.requirements)
    if not wanted:
        print(f"{pack.name}: nothing to install ({pack.status})")
        return EXIT_OK
    status = install_requirements(wanted)
    print(f"{pack.name}: pip {'finished' if status == 0 else f'failed ({status})'}; restart the server to load it")
    return EXIT_OK if status == 0 else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
