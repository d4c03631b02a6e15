"""The executor: runs what the requested outputs need, in dependency order, from cache when it can.

Evaluation is demand-driven with an explicit stack (no recursion, so depth is unbounded): a node is
looked up in the cache first, and only on a miss are its inputs evaluated. Lazy inputs are
evaluated only when the node asks for them (``Node.needed_lazy``), so a switch runs one branch. A
node may return an ``Expand``: its subgraph joins the run and its outputs become the node's.
"""

from __future__ import annotations

import inspect
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .comfy.blocking import blocker_among
from .concurrent import AsyncWork
from .comfy.boundary import ComfyList, items_of, merge_ui, per_item
from .errors import Interrupted, NodeExecutionError, WorkflowError
from .events import (Event, EventSink, Interrupt, NodeCached, NodeDone, NodeFailed, NodeMessage, NodeProgress,
                     NodeStarted, RunDone, RunInterrupted, RunResult, RunStarted)
from .keys import node_keys, subgraph_keys
from .node import Expand, Input, Node, NodeResult, Ref, SubNode, accept_constant
from .outputs import OutputFiles
from .parallel import ParallelMap
from .paths import FOLDER_KINDS, PathOutsideFolder, Paths
from .registry import NodeRegistry
from .store import ContentStore
from .types import ANY
from .validation import Plan, PlannedNode, plan, topological_order
from .workflow import Link, Workflow


class Executor:
    """Runs workflows against one registry and one store; keep it alive to keep the cache warm."""

    def __init__(self, registry: NodeRegistry, store: ContentStore, paths: Paths,
                 parallel: ParallelMap | None = None, reuse: bool = True) -> None:
        self.registry = registry
        self.store = store
        self.paths = paths
        #: the ``parallel`` context item: where a node's independent pieces run at once (None: in order, here)
        self.parallel = parallel
        #: False: every node runs every time (nothing is taken from the cache, nor kept in it)
        self.reuse = reuse

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
        #: an expanded node -> (its outputs: ``Ref``s or values, the subgraph's output nodes to run too)
        self.expansions: dict[str, tuple[tuple[Any, ...], tuple[str, ...]]] = {}
        self.expansion_ui: dict[str, Mapping[str, Any] | None] = {}
        self.current: str | None = None
        self.awaiting = AsyncWork(self.send)
        #: when each node whose ``run`` is being awaited started
        self.started: dict[str, float] = {}

    def send(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def emit(self, event: Event) -> None:
        self.awaiting.emit(event)

    def execute(self) -> RunResult:
        started = time.perf_counter()
        self.emit(RunStarted(self.result.run_id, tuple(self.targets), len(self.nodes), self.in_cache()))
        try:
            self.evaluate(self.targets)
        except Interrupted as interrupted:
            self.awaiting.close()  # first: what the awaited code queued goes out before the interruption
            interrupted.executed = list(self.result.executed)
            interrupted.node_id = interrupted.node_id or self.current
            self.emit(RunInterrupted(self.result.run_id, interrupted.node_id, tuple(self.result.executed)))
            raise
        finally:
            self.awaiting.close()
        self.result.seconds = time.perf_counter() - started
        self.result.output_names = {
            node_id: tuple(out.name for out in self.nodes[node_id].node_class.schema.outputs)
            for node_id in self.result.values
        }
        self.emit(RunDone(self.result.run_id, self.result))
        return self.result

    def evaluate(self, targets: Sequence[str]) -> None:
        """Depth first from ``targets``. A node whose missing inputs are all being awaited (or waiting aside) waits
        aside until the rest of the stack is done; only then does the run wait for awaited nodes."""
        values = self.result.values
        awaited = self.awaiting.futures
        stack = list(reversed(targets))
        aside: list[str] = []
        while stack or aside or awaited:
            if not stack:
                if awaited:
                    for node_id, future in self.awaiting.wait_any(self.interrupt.check):
                        self.finish_awaited(node_id, future)
                stack.extend(reversed(aside))
                aside.clear()
                continue
            self.awaiting.flush()
            node_id = stack[-1]
            if node_id in values or node_id in awaited:
                stack.pop()
                continue
            self.interrupt.check(node_id)
            if node_id in self.expansions:
                outputs, also = self.expansions[node_id]
                pending = [ref.node for ref in _refs(outputs) if ref.node not in values]
                pending += [sub_id for sub_id in also if sub_id not in values]
                if not pending:
                    self.finish_expansion(node_id)
            else:
                if node_id not in self.looked_up:
                    self.looked_up.add(node_id)
                    if self.load_cached(node_id):
                        continue
                pending = self.pending_inputs(node_id)
                if not pending:
                    self.run_node(node_id)
                    continue
            ready = [source for source in pending if source not in awaited and source not in aside]
            if ready:
                stack.extend(ready)
            elif pending:
                aside.append(stack.pop())

    def in_cache(self) -> tuple[str, ...]:
        """The planned nodes whose results the cache holds now (announced as the run starts, as ComfyUI does)."""
        if not self.executor.reuse:
            return ()
        store = self.executor.store
        return tuple(node_id for node_id, node in self.nodes.items()
                     if node.node_class.schema.cacheable and store.contains(self.keys[node_id]))

    def load_cached(self, node_id: str) -> bool:
        node = self.nodes[node_id]
        if not node.node_class.schema.cacheable or not self.executor.reuse:
            return False
        entry = self.executor.store.get(self.keys[node_id])
        if entry is None or not all(path.exists() for path in _files_in(entry.get("ui") or {}, self.executor.paths)):
            return False  # never cached, or a file it wrote is gone: run it again
        self.result.values[node_id] = outputs = tuple(entry["outputs"])
        _freeze(outputs)
        self.record_ui(node_id, entry.get("ui"))
        self.result.cached.append(node_id)
        self.emit(NodeCached(self.result.run_id, node_id, node.class_type, entry.get("ui")))
        return True

    def pending_inputs(self, node_id: str) -> list[str]:
        """Sources still to evaluate: eager inputs first, then the lazy ones the node asks for."""
        node = self.nodes[node_id]
        schema = node.node_class.schema
        values = self.result.values
        lazy = {spec.name for spec in schema.inputs if spec.lazy}
        raw = {spec.name for spec in schema.inputs if spec.raw_link}
        eager = [link.source for name, link in node.links.items()
                 if name not in lazy and name not in raw and link.source not in values]
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
        raw = {spec.name for spec in node.node_class.schema.inputs if spec.raw_link}
        for name, link in node.links.items():
            if name in raw:
                values[name] = Ref(link.source, link.output)
                continue
            evaluated = link.source in self.result.values
            values[name] = self.crossed(link.source, link.output, node_id, name) if evaluated else None  # lazy
        return values

    def crossed(self, source: str, output: str, target: str, target_input: str) -> Any:
        """The value of ``source``'s ``output`` in the form input ``target_input`` of ``target`` takes."""
        giver, taker = self.nodes[source].node_class, self.nodes[target].node_class
        spec = taker.schema.input(target_input)
        return self.convert(self.value_of(source, output), giver, giver.schema.output_type(output),
                            taker, spec.type if spec is not None else None)

    def convert(self, value: Any, giver: type[Node], given: str | None, taker: type[Node], taken: str | None) -> Any:
        """``value`` converted where a ComfyUI-contract node and one of ours meet, by the type our side declares."""
        if giver.comfy_form == taker.comfy_form:
            return value
        boundary = self.executor.registry.boundary
        ours, theirs = (given, taken) if taker.comfy_form else (taken, given)
        type_name = next((name for name in (ours, theirs) if name is not None and name in boundary), "")  # ours first
        return boundary.to_comfy(type_name, value) if taker.comfy_form else boundary.from_comfy(type_name, value)

    def value_of(self, node_id: str, output: str | int) -> Any:
        index = output if isinstance(output, int) else self.nodes[node_id].node_class.schema.output_index(output)
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
            "interrupt": lambda: self.interrupt,
            "message": lambda: lambda kind, data: self.emit(NodeMessage(self.result.run_id, node_id, kind, data)),
            "run": lambda: RunView(self.nodes, self.workflow),
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
        started = time.perf_counter()
        inputs = self.inputs(node_id)
        blocker = None if node.node_class.handles_blockers else blocker_among(inputs.values())
        if blocker is not None:  # blocked: it does not run, and its outputs block what they reach
            self.result.values[node_id] = (blocker,) * len(schema.outputs)
            return
        self.emit(NodeStarted(self.result.run_id, node_id, node.class_type))
        if not node.node_class.comfy_form and any(isinstance(value, ComfyList) for value in inputs.values()):
            outputs, ui = self.call(node_id, lambda: self.run_per_item(node_id, inputs))
            self.complete(node_id, outputs, ui, time.perf_counter() - started)
            return
        returned = self.call(node_id, lambda: self.instance(node_id).run(**inputs, **self.context(node_id)))
        if inspect.isawaitable(returned):
            self.started[node_id] = started
            self.awaiting.start(node_id, returned)
            return
        self.finish_run(node_id, returned, started)

    def finish_awaited(self, node_id: str, future: Any) -> None:
        """An awaited ``run`` is done: its result, or its exception as the node's failure."""
        returned = self.call(node_id, future.result)
        self.finish_run(node_id, returned, self.started.pop(node_id))

    def finish_run(self, node_id: str, returned: Any, started: float) -> None:
        schema = self.nodes[node_id].node_class.schema
        if isinstance(returned, Expand):
            self.call(node_id, lambda: self.expand(node_id, returned))
            return
        outputs, ui = (returned.outputs, returned.ui) if isinstance(returned, NodeResult) else (returned, None)
        self.call(node_id, lambda: _check_outputs(schema.name, outputs, len(schema.outputs)))
        self.complete(node_id, tuple(outputs), ui, time.perf_counter() - started)

    def run_per_item(self, node_id: str, inputs: dict[str, Any]) -> tuple[tuple[Any, ...], Mapping[str, Any] | None]:
        """One of our nodes given ComfyUI lists runs once per item, as ComfyUI runs its nodes: each output a
        ``ComfyList`` of the calls' values, the UI payloads merged."""
        schema = self.nodes[node_id].node_class.schema
        results: list[tuple[Any, ...]] = []
        uis: list[Mapping[str, Any]] = []
        context = self.context(node_id)  # one for every call: its output files are numbered on
        for values in per_item({name: items_of(value) for name, value in inputs.items()}):
            blocker = blocker_among(values.values())
            if blocker is not None:  # this item is blocked: no call, no files, its outputs block too
                results.append((blocker,) * len(schema.outputs))
                continue
            returned = self.instance(node_id).run(**values, **context)
            if isinstance(returned, Expand) or inspect.isawaitable(returned):
                raise WorkflowError(f"{schema.name} expands or is awaited, which it cannot do once per list item")
            outputs, ui = (returned.outputs, returned.ui) if isinstance(returned, NodeResult) else (returned, None)
            _check_outputs(schema.name, outputs, len(schema.outputs))
            results.append(tuple(outputs))
            if ui:
                uis.append(ui)
        merged = tuple(ComfyList(result[index] for result in results) for index in range(len(schema.outputs)))
        return merged, merge_ui(uis)

    def complete(self, node_id: str, outputs: tuple[Any, ...], ui: Mapping[str, Any] | None,
                 seconds: float) -> None:
        node = self.nodes[node_id]
        _freeze(outputs)
        schema = node.node_class.schema
        if schema.cacheable and self.executor.reuse:
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
        schema = self.nodes[node_id].node_class.schema
        if len(expansion.outputs) != len(schema.outputs):
            raise WorkflowError(f"expansion gives {len(expansion.outputs)} outputs; {schema.name} has "
                                f"{len(schema.outputs)}")
        ids = {local: f"{node_id}/{local}" for local in expansion.nodes}
        added = {ids[local]: self.subgraph_node(local, sub, ids, expansion.checked)
                 for local, sub in expansion.nodes.items()}
        for sub_id, planned in added.items():  # links named by output index get the output's name
            for name, link in planned.links.items():
                output = self.output_name(link.source, link.output, added,
                                          f"subgraph node {sub_id.rsplit('/', 1)[1]!r}: input {name!r}")
                planned.links[name] = Link(link.source, output, link.target, link.input)
        def named(output: Any) -> Any:
            if isinstance(output, ComfyList):
                return ComfyList(named(item) for item in output)
            if not isinstance(output, Ref):
                return output
            ref = self.run_ref(output, ids, "expansion output")
            return Ref(ref.node, self.output_name(ref.node, ref.output, added, "expansion output"))

        refs = tuple(named(output) for output in expansion.outputs)
        if expansion.checked:
            registry = self.executor.registry
            for sub_id, planned in added.items():
                for name, link in planned.links.items():
                    source = added.get(link.source) or self.nodes[link.source]
                    problem = registry.link_problem(source.class_type, link.output, planned.class_type, name)
                    if problem:
                        raise WorkflowError(f"subgraph node {sub_id.rsplit('/', 1)[1]!r}: input '{name}': {problem}")
        order, stuck = topological_order(list(added), added)
        if stuck:
            raise WorkflowError(f"the expanded subgraph has a cycle through {sorted(stuck)}")
        self.nodes.update(added)
        subgraph_keys(self.keys[node_id], order, added, {v: k for k, v in ids.items()}, self.keys,
                      self.executor.paths)
        also = tuple(sub_id for sub_id in order if added[sub_id].node_class.schema.output_node)
        self.expansions[node_id] = (refs, also)
        self.expansion_ui[node_id] = expansion.ui

    def subgraph_node(self, local: str, sub: SubNode, ids: dict[str, str], checked: bool) -> PlannedNode:
        """One node of an expansion, planned: constants accepted, ``Ref``s to subgraph or run nodes linked."""
        node_class = self.executor.registry.get(sub.class_type)
        where = f"subgraph node {local!r} ({sub.class_type})"
        constants: dict[str, Any] = {}
        links: dict[str, Link] = {}
        schema = node_class.schema
        undeclared = [Input(name, ANY, optional=True) for name in sub.inputs if schema.input(name) is None]
        for spec in (*schema.inputs, *(undeclared if schema.open_inputs else ())):
            value = sub.inputs.get(spec.name)
            if isinstance(value, Ref):
                source = self.run_ref(value, ids, f"{where}: input {spec.name!r}")
                links[spec.name] = Link(source.node, source.output, ids[local], spec.name)  # type: ignore[arg-type]
            elif spec.name in sub.inputs:
                accepted, problem = accept_constant(spec, value) if checked else (value, None)
                if problem:
                    raise WorkflowError(f"{where}: input '{spec.name}' {problem}")
                constants[spec.name] = accepted
            elif spec.has_default:
                constants[spec.name] = spec.default
            elif not spec.optional and checked:
                raise WorkflowError(f"{where}: input '{spec.name}' has no value")
        return PlannedNode(ids[local], node_class, constants, links)

    def run_ref(self, ref: Ref, ids: dict[str, str], where: str) -> Ref:
        """``ref`` by run id: a subgraph node's when the subgraph has that id, else a node of the run's."""
        if ref.node in ids:
            return Ref(ids[ref.node], ref.output)
        if ref.node not in self.nodes:
            raise WorkflowError(f"{where} refers to node {ref.node!r}, which is neither in the subgraph nor in "
                                f"this run")
        return ref

    def output_name(self, node_id: str, output: str | int, added: Mapping[str, PlannedNode], where: str) -> str:
        """The name of output ``output`` (a name or an index) of node ``node_id`` (of the subgraph or the run)."""
        planned = added.get(node_id) or self.nodes[node_id]
        outputs = planned.node_class.schema.outputs
        if isinstance(output, int):
            if not 0 <= output < len(outputs):
                raise WorkflowError(f"{where} refers to output {output} of node {node_id!r} ({planned.class_type}), "
                                    f"which has {len(outputs)}")
            return outputs[output].name
        if planned.node_class.schema.output_index(output) is None:
            raise WorkflowError(f"{where} refers to unknown output {output!r} of node {node_id!r}")
        return output

    def finish_expansion(self, node_id: str) -> None:
        refs, _ = self.expansions.pop(node_id)
        parent = self.nodes[node_id].node_class
        outputs = tuple(self.resolve(ref, parent, spec.type) for ref, spec in zip(refs, parent.schema.outputs,
                                                                                  strict=True))
        self.complete(node_id, outputs, self.expansion_ui.pop(node_id), 0.0)

    def resolve(self, output: Any, parent: type[Node], type_name: str) -> Any:
        """An expansion's output as the parent's: a ``Ref``'s value (in the parent's form), a value as it is, or
        a ``ComfyList`` of those with the items of list values spliced in (ComfyUI's per-call results)."""
        if isinstance(output, ComfyList):
            items: list[Any] = []
            for item in output:
                value = self.resolve(item, parent, type_name)
                items.extend(value if isinstance(value, ComfyList) and isinstance(item, Ref) else [value])
            return ComfyList(items)
        if not isinstance(output, Ref):
            return output
        source = self.nodes[output.node].node_class
        return self.convert(self.value_of(output.node, output.output), source,
                            source.schema.output_type(str(output.output)), parent, type_name)


class RunView:
    """The ``run`` context item: every node of the run by id (the workflow's planned nodes and the nodes
    expansions added), read-only."""

    def __init__(self, nodes: Mapping[str, PlannedNode], workflow: Workflow) -> None:
        self._nodes = nodes
        self.workflow = workflow

    def node(self, node_id: str) -> PlannedNode | None:
        return self._nodes.get(node_id)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def node_ids(self) -> list[str]:
        return list(self._nodes)


def _refs(outputs: Sequence[Any]) -> list[Ref]:
    """The ``Ref``s among an expansion's outputs, those inside ``ComfyList`` outputs too."""
    found: list[Ref] = []
    for output in outputs:
        if isinstance(output, Ref):
            found.append(output)
        elif isinstance(output, ComfyList):
            found.extend(_refs(output))
    return found


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
