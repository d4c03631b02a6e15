"""Validation before anything runs, and the execution plan it yields.

Every problem is collected (never only the first): unknown classes, missing inputs, links to
missing nodes or outputs, type mismatches, values out of range or not among the choices, cycles
(found iteratively, so a 10,000-node chain is fine) and a workflow with nothing to output.
Only the nodes the requested outputs need are checked, as only they will run; unknown classes are
reported anywhere, since such a node might be a missing output.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ValidationError, WorkflowInvalid
from .node import Input, Node
from .registry import NodeRegistry
from .types import WIDGET_TYPES
from .workflow import Link, Workflow


@dataclass(frozen=True)
class PlannedNode:
    node_id: str
    node_class: type[Node]
    #: Constant inputs after defaults and coercion (unlinked inputs only).
    constants: dict[str, Any]
    #: Linked inputs: input name -> link.
    links: dict[str, Link]

    @property
    def class_type(self) -> str:
        return self.node_class.schema.name


def topological_order(ids: list[str], nodes: dict[str, PlannedNode]) -> tuple[list[str], set[str]]:
    """Kahn's algorithm over ``ids`` (links from outside ``ids`` are ignored): the order, and the
    nodes left over because they sit on or behind a cycle."""
    indegree = {node_id: 0 for node_id in ids}
    children: dict[str, list[str]] = {node_id: [] for node_id in ids}
    for node_id in ids:
        for link in nodes[node_id].links.values() if node_id in nodes else ():
            if link.source in indegree:
                indegree[node_id] += 1
                children[link.source].append(node_id)
    ready = deque(node_id for node_id in ids if indegree[node_id] == 0)
    order: list[str] = []
    while ready:
        node_id = ready.popleft()
        order.append(node_id)
        for child in children[node_id]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return order, {node_id for node_id in ids if indegree[node_id] > 0}


@dataclass(frozen=True)
class Plan:
    targets: list[str]
    #: Topological order of every node the targets may need (lazy branches included).
    order: list[str]
    nodes: dict[str, PlannedNode]
    warnings: list[ValidationError] = field(default_factory=list)


class _Checker:
    def __init__(self, workflow: Workflow, registry: NodeRegistry) -> None:
        self.workflow = workflow
        self.registry = registry
        self.errors: list[ValidationError] = []
        self.warnings: list[ValidationError] = []

    def error(self, node_id: str | None, message: str, input: str | None = None, kind: str = "invalid") -> None:
        self.errors.append(ValidationError(message, node_id, self.class_of(node_id), input, kind))

    def class_of(self, node_id: str | None) -> str | None:
        node = self.workflow.nodes.get(node_id) if node_id is not None else None
        return node.class_type if node else None

    def node_class(self, node_id: str) -> type[Node] | None:
        node = self.workflow.nodes.get(node_id)
        return self.registry.get(node.class_type) if node and node.class_type in self.registry else None

    def check_classes(self) -> None:
        for node_id, node in self.workflow.nodes.items():
            if node.class_type not in self.registry:
                self.error(node_id, f"unknown node class {node.class_type!r}{self.registry.suggest(node.class_type)}",
                           kind="unknown_class")

    def targets(self, outputs: Sequence[str] | None, any_node: bool = False) -> list[str]:
        if outputs is None:
            found = [i for i in self.workflow.nodes if (c := self.node_class(i)) and c.schema.output_node]
            if not found and not self.errors:
                self.error(None, "the workflow has no output node: add a Save or Preview node", kind="no_output")
            return found
        targets = []
        for node_id in outputs:
            node_class = self.node_class(node_id)
            if node_id not in self.workflow.nodes:
                self.error(None, f"requested output node {node_id!r} does not exist", kind="no_output")
            elif node_class is not None and not node_class.schema.output_node and not any_node:
                self.error(node_id, "was requested as an output but is not an output node", kind="no_output")
            elif node_class is not None:
                targets.append(node_id)
        if not outputs:
            self.error(None, "no output nodes were requested", kind="no_output")
        return targets

    def incoming_links(self) -> tuple[dict[str, dict[str, Link]], list[ValidationError]]:
        """Usable links by target and input, and the problems of the others (which count only for
        nodes that will run)."""
        incoming: dict[str, dict[str, Link]] = {}
        problems: list[ValidationError] = []
        for link in self.workflow.links:
            target_class = self.class_of(link.target)
            if link.target not in self.workflow.nodes:
                self.warnings.append(ValidationError(
                    f"a link from node {link.source} points to node {link.target}, which does not exist; ignored",
                    kind="bad_link"))
            elif link.source not in self.workflow.nodes:
                problems.append(ValidationError(f"is linked to node {link.source}, which does not exist",
                                                link.target, target_class, link.input, "bad_link"))
            elif link.input in incoming.setdefault(link.target, {}):
                problems.append(ValidationError("has more than one link; an input takes one", link.target,
                                                target_class, link.input, "bad_link"))
            else:
                incoming[link.target][link.input] = link
        return incoming, problems

    def needed(self, targets: list[str], incoming: dict[str, dict[str, Link]]) -> list[str]:
        seen: dict[str, None] = {}
        stack = list(targets)
        while stack:
            node_id = stack.pop()
            if node_id in seen:
                continue
            seen[node_id] = None
            stack.extend(link.source for link in incoming.get(node_id, {}).values())
        return [node_id for node_id in self.workflow.nodes if node_id in seen]

    def check_node(self, node_id: str, links: dict[str, Link], broken: set[str]) -> PlannedNode | None:
        """Check one node; ``broken`` names its inputs whose link problems are already reported."""
        node_class = self.node_class(node_id)
        if node_class is None:
            return None
        schema = node_class.schema
        reported = len(self.errors)
        for name, link in links.items():
            spec = schema.input(name)
            if spec is None and not schema.open_inputs:
                self.error(node_id, f"is linked but {schema.name} has no such input", name, kind="bad_link")
            elif spec is not None:
                self.check_link(node_id, node_class, spec, link)
        constants: dict[str, Any] = {}
        given = self.workflow.nodes[node_id].inputs
        for spec in schema.inputs:
            if spec.name in links:
                continue
            if spec.name in given:
                self.check_value(node_id, node_class, spec, given[spec.name], constants)
            elif spec.has_default:
                constants[spec.name] = spec.default
            elif not spec.optional and spec.name not in broken:
                needs = "has no value" if spec.type in WIDGET_TYPES else f"({spec.type}) is not connected"
                self.error(node_id, f"is required but {needs}", spec.name, kind="missing_input")
        for name in given:
            if schema.input(name) is None and schema.open_inputs and name not in links:
                constants[name] = given[name]  # an input the node's function takes as **kwargs
            elif schema.input(name) is None:
                self.warnings.append(ValidationError(f"is not an input of {schema.name}; ignored",
                                                     node_id, schema.name, name, kind="unknown_input"))
        if len(self.errors) == reported and not broken:
            self.check_custom(node_id, node_class, constants, links)
        return PlannedNode(node_id, node_class, constants, links)

    def check_custom(self, node_id: str, node_class: type[Node], constants: dict[str, Any],
                     links: dict[str, Link]) -> None:
        """The node's own ``check_inputs``, once its inputs passed the generic checks."""
        linked = {}
        for name, link in links.items():
            source = self.node_class(link.source)
            produced = source.schema.output_type(link.output) if source else None
            if produced is not None:
                linked[name] = produced
        try:
            problem = node_class.check_inputs(dict(constants), linked)
        except Exception as error:  # a node's own check must not break validation
            problem = f"its input check raised {type(error).__name__}: {error}"
        if problem:
            self.error(node_id, problem, kind="custom_validation")

    def check_link(self, node_id: str, node_class: type[Node], spec: Input, link: Link) -> None:
        source_class = self.node_class(link.source)
        if source_class is None:
            return  # the unknown class is reported on its own node
        source_schema = source_class.schema
        checked = self.registry.check_link(source_schema.name, link.output, self.workflow.nodes[node_id].class_type,
                                           spec.name)
        source = f"node {link.source} ({source_schema.name})"
        if checked.produced is None:
            names = ", ".join(o.name for o in source_schema.outputs) or "none"
            self.error(node_id, f"is linked to output {link.output!r} of {source}, which has no such output "
                       f"(outputs: {names})", spec.name, kind="bad_link")
        elif not checked.compatible and node_class.typed_links:
            self.error(node_id, f"expects {spec.type} but is linked to output {link.output!r} of {source}, "
                       f"which gives {checked.produced}", spec.name, kind="type_mismatch")

    def check_value(self, node_id: str, node_class: type[Node], spec: Input, value: Any,
                    constants: dict[str, Any]) -> None:
        accepted, problem = node_class.accept(spec, value)
        if problem:
            self.error(node_id, problem, spec.name, kind="bad_value")
        else:
            constants[spec.name] = accepted

    def order(self, needed: list[str], planned: dict[str, PlannedNode]) -> list[str]:
        """Topological order of the needed nodes; cycles are reported with their path."""
        order, stuck = topological_order(needed, planned)
        if stuck:
            self.report_cycles(stuck, planned)
        return order

    def report_cycles(self, stuck: set[str], planned: dict[str, PlannedNode]) -> None:
        walked: set[str] = set()  # every node is walked once: linear however many cycles
        for start in sorted(stuck):
            if start in walked:
                continue
            path, position = [start], {start: 0}
            cycle: list[str] = []
            while True:
                walked.add(path[-1])
                nxt = next(link.source for link in planned[path[-1]].links.values() if link.source in stuck)
                if nxt in position:
                    cycle = path[position[nxt]:]
                    break
                if nxt in walked:
                    break  # leads into a cycle reported already
                position[nxt] = len(path)
                path.append(nxt)
            if cycle:
                shown = " <- ".join([*cycle, cycle[0]])
                self.error(cycle[0], f"is part of a cycle: {shown}", kind="cycle")


def plan(workflow: Workflow, registry: NodeRegistry, outputs: Sequence[str] | None = None,
         any_node: bool = False) -> Plan:
    """Check ``workflow`` for running ``outputs`` (default: every output node; with ``any_node``, the
    targets may be any nodes, for their values: a live session plays a node's LATENT).

    Raises ``WorkflowInvalid`` with all problems found.
    """
    checker = _Checker(workflow, registry)
    checker.check_classes()
    targets = checker.targets(outputs, any_node)
    incoming, link_problems = checker.incoming_links()
    needed = checker.needed(targets, incoming)
    will_run = set(needed)
    broken: dict[str, set[str]] = {}
    for problem in link_problems:
        if problem.node_id in will_run:
            checker.errors.append(problem)
            broken.setdefault(problem.node_id, set()).add(problem.input or "")
    planned = {}
    for node_id in needed:
        node = checker.check_node(node_id, incoming.get(node_id, {}), broken.get(node_id, set()))
        if node is not None:
            planned[node_id] = node
    order = checker.order([n for n in needed if n in planned], planned)
    if checker.errors:
        raise WorkflowInvalid(checker.errors)
    return Plan(targets, order, planned, checker.warnings)


def plan_good_outputs(workflow: Workflow, registry: NodeRegistry,
                      outputs: Sequence[str] | None = None) -> tuple[Plan, WorkflowInvalid | None]:
    """ComfyUI's way with a prompt of several outputs, some broken: the plan of the outputs that can run, and the
    problems of the others (None when all can). Raises ``WorkflowInvalid`` when none can."""
    try:
        return plan(workflow, registry, outputs), None
    except WorkflowInvalid as invalid:
        problems = invalid
    checker = _Checker(workflow, registry)
    targets = checker.targets(outputs)
    if len(targets) < 2 or checker.errors:
        raise problems
    good = []
    for target in targets:
        try:
            plan(workflow, registry, [target])
        except WorkflowInvalid:
            continue
        good.append(target)
    if not good:
        raise problems
    return plan(workflow, registry, good), problems


def check(workflow: Workflow, registry: NodeRegistry, outputs: Sequence[str] | None = None) -> list[ValidationError]:
    """All problems of ``workflow`` (empty when it can run)."""
    try:
        plan(workflow, registry, outputs)
    except WorkflowInvalid as invalid:
        return invalid.errors
    return []
