"""The executor: runs what the requested outputs need, in dependency order, from cache when it can.

Evaluation is demand-driven with an explicit stack (no recursion, so depth is unbounded): a node is
looked up in the cache first, and only on a miss are its inputs evaluated. Lazy inputs are
evaluated only when the node asks for them (``Node.needed_lazy``), so a switch runs one branch. A
node may return an ``Expand``: its subgraph joins the run and its outputs become the node's.
"""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import Interrupted, NodeExecutionError, WorkflowError
from .events import (Event, EventSink, Interrupt, NodeCached, NodeDone, NodeFailed, NodeProgress,
                     NodeStarted, RunDone, RunInterrupted, RunResult, RunStarted)
from .keys import node_keys, subgraph_keys
from .node import Expand, Node, NodeResult, Ref, accept_constant
from .outputs import OutputFiles
from .parallel import ParallelMap
from .paths import FOLDER_KINDS, PathOutsideFolder, Paths
from .registry import NodeRegistry
from .store import ContentStore
from .validation import Plan, PlannedNode, plan, topological_order
from .workflow import Link, Workflow


class Executor:
    """Runs workflows against one registry and one store; keep it alive to keep the cache warm."""

    def __init__(self, registry: NodeRegistry, store: ContentStore, paths: Paths,
                 parallel: ParallelMap | None = None) -> None:
        self.registry = registry
        self.store = store
        self.paths = paths
        #: the ``parallel`` context item: where a node's independent pieces run at once (None: in order, here)
        self.parallel = parallel

    def run(self, workflow: Workflow, outputs: Sequence[str] | None = None,
            on_event: EventSink | None = None, interrupt: Interrupt | None = None,
            run_id: str | None = None) -> RunResult:
        """Validate, then run. Raises ``WorkflowInvalid``, ``NodeExecutionError`` or ``Interrupted``."""
        execution_plan = plan(workflow, self.registry, outputs)
        run = _Run(self, workflow, execution_plan, on_event, interrupt or Interrupt(), run_id or uuid.uuid4().hex)
        return run.execute()

    def evaluate(self, workflow: Workflow, node_id: str, interrupt: Interrupt | None = None) -> tuple[Any, ...]:
        """The output values of any node (not only an output node), running what it needs, from cache where
        it can. Raises as ``run`` does."""
        execution_plan = plan(workflow, self.registry, [node_id], any_node=True)
        run = _Run(self, workflow, execution_plan, None, interrupt or Interrupt(), uuid.uuid4().hex)
        return run.execute().values[node_id]


class _Run:
    """The state of one run."""

    def __init__(self, executor: Executor, workflow: Workflow, execution_plan: Plan,
                 on_event: EventSink | None, interrupt: Interrupt, run_id: str) -> None:
        self.executor = executor
        self.workflow = workflow
        self.nodes: dict[str, PlannedNode] = dict(execution_plan.nodes)
        self.targets = execution_plan.targets
        self.keys = node_keys(execution_plan, executor.paths)
        self.on_event = on_event
        self.interrupt = interrupt
        self.result = RunResult(run_id, list(self.targets))
        self.instances: dict[str, Node] = {}
        self.looked_up: set[str] = set()
        self.expansions: dict[str, tuple[Ref, ...]] = {}
        self.expansion_ui: dict[str, Mapping[str, Any] | None] = {}
        self.current: str | None = None

    def emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def execute(self) -> RunResult:
        started = time.perf_counter()
        self.emit(RunStarted(self.result.run_id, tuple(self.targets), len(self.nodes)))
        try:
            self.evaluate(self.targets)
        except Interrupted as interrupted:
            interrupted.executed = list(self.result.executed)
            interrupted.node_id = interrupted.node_id or self.current
            self.emit(RunInterrupted(self.result.run_id, interrupted.node_id, tuple(self.result.executed)))
            raise
        self.result.seconds = time.perf_counter() - started
        self.result.output_names = {
            node_id: tuple(out.name for out in self.nodes[node_id].node_class.schema.outputs)
            for node_id in self.result.values
        }
        self.emit(RunDone(self.result.run_id, self.result))
        return self.result

    def evaluate(self, targets: Sequence[str]) -> None:
        values = self.result.values
        stack = list(reversed(targets))
        while stack:
            node_id = stack[-1]
            if node_id in values:
                stack.pop()
                continue
            self.interrupt.check(node_id)
            if node_id in self.expansions:
                pending = [ref.node for ref in self.expansions[node_id] if ref.node not in values]
                if pending:
                    stack.extend(pending)
                else:
                    self.finish_expansion(node_id)
                continue
            if node_id not in self.looked_up:
                self.looked_up.add(node_id)
                if self.load_cached(node_id):
                    continue
            pending = self.pending_inputs(node_id)
            if pending:
                stack.extend(pending)
                continue
            self.run_node(node_id)

    def load_cached(self, node_id: str) -> bool:
        node = self.nodes[node_id]
        if not node.node_class.schema.cacheable:
            return False
        entry = self.executor.store.get(self.keys[node_id])
        if entry is None or not all(path.exists() for path in _files_in(entry.get("ui") or {}, self.executor.paths)):
            return False  # never cached, or a file it wrote is gone: run it again
        self.result.values[node_id] = outputs = tuple(entry["outputs"])
        _freeze(outputs)
        self.record_ui(node_id, entry.get("ui"))
        self.result.cached.append(node_id)
        self.emit(NodeCached(self.result.run_id, node_id, node.class_type))
        return True

    def pending_inputs(self, node_id: str) -> list[str]:
        """Sources still to evaluate: eager inputs first, then the lazy ones the node asks for."""
        node = self.nodes[node_id]
        schema = node.node_class.schema
        values = self.result.values
        lazy = {spec.name for spec in schema.inputs if spec.lazy}
        eager = [link.source for name, link in node.links.items() if name not in lazy and link.source not in values]
        if eager:
            return eager
        unevaluated = [name for name in lazy if name in node.links and node.links[name].source not in values]
        if not unevaluated:
            return []
        asked = self.call(node_id, lambda: self.instance(node_id).needed_lazy(**self.inputs(node_id)))
        return [node.links[name].source for name in asked if name in unevaluated]

    def instance(self, node_id: str) -> Node:
        if node_id not in self.instances:
            self.instances[node_id] = self.nodes[node_id].node_class()
        return self.instances[node_id]

    def inputs(self, node_id: str) -> dict[str, Any]:
        node = self.nodes[node_id]
        values = dict(node.constants)
        for name, link in node.links.items():
            evaluated = link.source in self.result.values
            values[name] = self.value_of(link.source, link.output) if evaluated else None  # None: lazy, not yet
        return values

    def value_of(self, node_id: str, output: str) -> Any:
        index = self.nodes[node_id].node_class.schema.output_index(output)
        if index is None:  # validation and expansion checks make this unreachable
            raise KeyError(f"node {node_id} has no output {output!r}")
        return self.result.values[node_id][index]

    def context(self, node_id: str) -> dict[str, Any]:
        schema = self.nodes[node_id].node_class.schema
        available = {
            "node_id": lambda: node_id,
            "workflow": lambda: self.workflow,
            "progress": lambda: self.progress_reporter(node_id),
            "store": lambda: self.executor.store,
            "paths": lambda: self.executor.paths,
            "parallel": lambda: self.executor.parallel,
            "files": lambda: OutputFiles(self.executor.paths, self.executor.store,
                                         self.keys[node_id] if schema.cacheable else None),
        }
        return {name: available[name]() for name in schema.context}

    def progress_reporter(self, node_id: str) -> Callable[[float, float | None], None]:
        def progress(value: float, maximum: float | None = None) -> None:
            self.interrupt.check(node_id)
            self.emit(NodeProgress(self.result.run_id, node_id, value, maximum))

        return progress

    def call(self, node_id: str, work: Any) -> Any:
        """Run node code; turn its exceptions into a structured ``NodeExecutionError``."""
        self.current = node_id
        try:
            return work()
        except Interrupted:
            raise
        except BaseException as error:  # SystemExit, KeyboardInterrupt too: the node's error, not the run's end
            failure = NodeExecutionError(
                node_id=node_id,
                class_type=self.nodes[node_id].class_type,
                message=str(error) or type(error).__name__,
                exception_type=type(error).__name__,
                traceback=traceback.format_exc(),
                executed=list(self.result.executed),
            )
            self.emit(NodeFailed(self.result.run_id, failure))
            raise failure from error

    def run_node(self, node_id: str) -> None:
        node = self.nodes[node_id]
        schema = node.node_class.schema
        self.emit(NodeStarted(self.result.run_id, node_id, node.class_type))
        started = time.perf_counter()
        returned = self.call(node_id, lambda: self.instance(node_id).run(**self.inputs(node_id),
                                                                          **self.context(node_id)))
        if isinstance(returned, Expand):
            self.call(node_id, lambda: self.expand(node_id, returned))
            return
        outputs, ui = (returned.outputs, returned.ui) if isinstance(returned, NodeResult) else (returned, None)
        self.call(node_id, lambda: _check_outputs(schema.name, outputs, len(schema.outputs)))
        self.complete(node_id, tuple(outputs), ui, time.perf_counter() - started)

    def complete(self, node_id: str, outputs: tuple[Any, ...], ui: Mapping[str, Any] | None,
                 seconds: float) -> None:
        node = self.nodes[node_id]
        _freeze(outputs)
        schema = node.node_class.schema
        if schema.cacheable:
            # An output node's result (the files it wrote) is persisted even without arrays, so a
            # re-run after a restart does not write the same files again.
            self.executor.store.put(self.keys[node_id], {"outputs": outputs, "ui": dict(ui) if ui else None},
                                    tier="durable" if schema.output_node else "both")
        self.result.values[node_id] = outputs
        self.record_ui(node_id, ui)
        self.result.executed.append(node_id)
        self.emit(NodeDone(self.result.run_id, node_id, node.class_type, ui, seconds))

    def record_ui(self, node_id: str, ui: Mapping[str, Any] | None) -> None:
        if not ui:
            return
        self.result.ui[node_id] = ui
        files = _files_in(ui, self.executor.paths)
        if files:
            self.result.files[node_id] = files

    # ---- subgraph expansion -------------------------------------------------------------
    def expand(self, node_id: str, expansion: Expand) -> None:
        registry = self.executor.registry
        schema = self.nodes[node_id].node_class.schema
        if len(expansion.outputs) != len(schema.outputs):
            raise WorkflowError(f"expansion gives {len(expansion.outputs)} outputs; {schema.name} has "
                                f"{len(schema.outputs)}")
        ids = {local: f"{node_id}/{local}" for local in expansion.nodes}
        added: dict[str, PlannedNode] = {}
        for local, sub in expansion.nodes.items():
            node_class = registry.get(sub.class_type)
            constants: dict[str, Any] = {}
            links: dict[str, Link] = {}
            for spec in node_class.schema.inputs:
                value = sub.inputs.get(spec.name)
                if isinstance(value, Ref):
                    if value.node not in ids:
                        raise WorkflowError(f"subgraph node {local!r}: input {spec.name!r} refers to unknown "
                                            f"node {value.node!r}")
                    links[spec.name] = Link(ids[value.node], value.output, ids[local], spec.name)
                elif spec.name in sub.inputs:
                    accepted, problem = accept_constant(spec, value)
                    if problem:
                        raise WorkflowError(f"subgraph node {local!r} ({sub.class_type}): input "
                                            f"'{spec.name}' {problem}")
                    constants[spec.name] = accepted
                elif spec.has_default:
                    constants[spec.name] = spec.default
                elif not spec.optional:
                    raise WorkflowError(f"subgraph node {local!r} ({sub.class_type}): input '{spec.name}' "
                                        f"has no value")
            added[ids[local]] = PlannedNode(ids[local], node_class, constants, links)
        refs = []
        for ref in expansion.outputs:
            if ref.node not in ids or added[ids[ref.node]].node_class.schema.output_type(ref.output) is None:
                raise WorkflowError(f"expansion output refers to unknown node output {ref.node}.{ref.output}")
            refs.append(Ref(ids[ref.node], ref.output))
        for sub_id, planned in added.items():
            for name, link in planned.links.items():
                problem = registry.link_problem(added[link.source].class_type, link.output, planned.class_type, name)
                if problem:
                    raise WorkflowError(f"subgraph node {sub_id.rsplit('/', 1)[1]!r}: input '{name}': {problem}")
        order, stuck = topological_order(list(added), added)
        if stuck:
            raise WorkflowError("the expanded subgraph has a cycle")
        self.nodes.update(added)
        subgraph_keys(self.keys[node_id], order, added, {v: k for k, v in ids.items()}, self.keys,
                      self.executor.paths)
        self.expansions[node_id] = tuple(refs)
        self.expansion_ui[node_id] = expansion.ui

    def finish_expansion(self, node_id: str) -> None:
        outputs = tuple(self.value_of(ref.node, ref.output) for ref in self.expansions.pop(node_id))
        self.complete(node_id, outputs, self.expansion_ui.pop(node_id), 0.0)


def _check_outputs(name: str, outputs: Any, expected: int) -> None:
    if not isinstance(outputs, tuple):
        raise TypeError(f"{name}.run returned {type(outputs).__name__}; expected a tuple of {expected} output(s)")
    if len(outputs) != expected:
        raise TypeError(f"{name}.run returned {len(outputs)} output(s); its schema declares {expected}")


def _freeze(outputs: tuple[Any, ...]) -> None:
    """Cached arrays are shared by every consumer: make accidental in-place edits fail loudly."""
    for value in outputs:
        items = value if isinstance(value, (list, tuple)) else (value,)
        for item in items:
            if isinstance(item, np.ndarray):
                item.flags.writeable = False


def _files_in(ui: Mapping[str, Any], paths: Paths) -> list[Path]:
    files = []
    for entries in ui.values():
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, dict) and "filename" in entry and entry.get("type", "output") in FOLDER_KINDS:
                try:
                    files.append(paths.resolve(entry.get("type", "output"), entry["filename"],
                                               entry.get("subfolder", "")))
                except PathOutsideFolder:
                    continue
    return files
