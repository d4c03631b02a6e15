"""The executor: demand-driven evaluation, caching, laziness, expansion, events, interrupts, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from standins import standin_registry
from PIL import Image

import graph
from graph import (ANY, INT, ContentStore, DiskTier, Executor, Expand, Int, Interrupt, Interrupted,
                   MemoryTier, Node, NodeCached, NodeDone, NodeExecutionError, NodeFailed, NodeProgress,
                   NodeRegistry, NodeResult, NodeSchema, NodeStarted, Output, Paths, Ref, RunDone,
                   RunInterrupted, RunStarted, Socket, String, SubNode, Workflow)
from graph.keys import node_keys

ROOT = Path(__file__).resolve().parents[2]
WORLDGRAPH = Path(sys.executable).with_name("worldgraph")

#: node ids (or labels) of test-node runs, in call order; cleared before every test.
CALLS: list[Any] = []


# ---- test nodes --------------------------------------------------------------------------------
class Counter(Node):
    """Passes an integer on and records that it ran."""

    schema = NodeSchema(name="Counter", inputs=(Int("value", 0),), outputs=(Output("value", INT),),
                        context=("node_id",))

    def run(self, value: int, node_id: str) -> tuple[int]:
        CALLS.append(node_id)
        return (value,)


class Explode(Node):
    """Must never run."""

    schema = NodeSchema(name="Explode", inputs=(Int("value", 0),), outputs=(Output("value", INT),),
                        context=("node_id",))

    def run(self, value: int, node_id: str) -> tuple[int]:
        CALLS.append(("explode", node_id))
        raise AssertionError(f"node {node_id} should not have run")


class Pick(Node):
    """``first`` unless it is 0, then ``second``; asks for its lazy inputs one at a time."""

    schema = NodeSchema(
        name="Pick",
        inputs=(Socket("first", ANY, lazy=True), Socket("second", ANY, lazy=True)),
        outputs=(Output("value", ANY),),
    )

    def needed_lazy(self, first: Any, second: Any) -> list[str]:
        CALLS.append(("needed_lazy", first, second))
        if first is None:
            return ["first"]
        return ["second"] if first == 0 else []

    def run(self, first: Any, second: Any) -> tuple[Any]:
        CALLS.append(("pick", first, second))
        return (second if first == 0 else first,)


class RepeatAdd(Node):
    """``start + times`` as a chain of ``times`` MathInt(+1) nodes."""

    schema = NodeSchema(name="RepeatAdd", inputs=(Int("start", 0), Int("times", 3, min=1)),
                        outputs=(Output("result", INT),), context=("node_id",))

    def run(self, start: int, times: int, node_id: str) -> Expand:
        CALLS.append(("expand", node_id))
        sub = {"0": SubNode("MathInt", {"a": start, "b": 1, "op": "add"})}
        for index in range(1, times):
            sub[str(index)] = SubNode("MathInt", {"a": Ref(str(index - 1), "result"), "b": 1})
        return Expand(sub, (Ref(str(times - 1), "result"),), ui={"text": [f"expanded {times}"]})


class BadExpand(Node):
    """Expands into a subgraph; ``mode`` picks what is wrong with it."""

    schema = NodeSchema(name="BadExpand", inputs=(String("mode", "unknown_class"),),
                        outputs=(Output("result", INT),))

    def run(self, mode: str) -> Expand:
        if mode == "unknown_class":
            return Expand({"a": SubNode("NoSuchNode", {})}, (Ref("a", "result"),))
        if mode == "unknown_ref_node":
            return Expand({"a": SubNode("MathInt", {"a": Ref("zzz", "result")})}, (Ref("a", "result"),))
        if mode == "unknown_output":
            return Expand({"a": SubNode("MathInt", {})}, (Ref("a", "nope"),))
        if mode == "bad_constant":
            return Expand({"a": SubNode("MathInt", {"a": "text"})}, (Ref("a", "result"),))
        if mode == "output_count":
            return Expand({"a": SubNode("MathInt", {})}, (Ref("a", "result"), Ref("a", "result")))
        if mode == "unknown_ref_output":
            return Expand({"a": SubNode("MathInt", {"a": 1}),
                           "b": SubNode("MathInt", {"a": Ref("a", "nope")})}, (Ref("b", "result"),))
        raise AssertionError(mode)


class Volatile(Node):
    schema = NodeSchema(name="Volatile", inputs=(Int("value", 0),), outputs=(Output("value", INT),),
                        context=("node_id",), cacheable=False)

    def run(self, value: int, node_id: str) -> tuple[int]:
        CALLS.append(node_id)
        return (value,)


class Steps(Node):
    """Reports progress 1/3, 2/3, 3/3, then passes its input on with a UI payload."""

    schema = NodeSchema(name="Steps", inputs=(Int("value", 0),), outputs=(Output("value", INT),),
                        context=("progress",))

    def run(self, value: int, progress: Any) -> NodeResult:
        for step in (1, 2, 3):
            progress(step, 3)
        CALLS.append("steps done")
        return NodeResult((value,), {"text": [f"stepped {value}"]})


class Flaky(Node):
    """Fails while ``Flaky.fail`` is true."""

    fail = True
    schema = NodeSchema(name="Flaky", inputs=(Int("value", 0),), outputs=(Output("value", INT),),
                        context=("node_id",))

    def run(self, value: int, node_id: str) -> tuple[int]:
        CALLS.append(node_id)
        if Flaky.fail:
            raise RuntimeError("flaky failure")
        return (value,)


class BadShape(Node):
    schema = NodeSchema(name="BadShape", inputs=(String("mode", "list"),),
                        outputs=(Output("a", INT), Output("b", INT)))

    def run(self, mode: str) -> Any:
        return {
            "list": [1, 2],
            "none": None,
            "scalar": 1,
            "too_few": (1,),
            "too_many": (1, 2, 3),
            "result_list": NodeResult([1, 2]),  # type: ignore[arg-type]
        }[mode]


class Sink(Node):
    """An output node that always runs and looks at its input."""

    schema = NodeSchema(name="Sink", inputs=(Socket("value", ANY),), output_node=True, cacheable=False,
                        context=("node_id",))

    def run(self, value: Any, node_id: str) -> NodeResult:
        CALLS.append(node_id)
        shape = list(getattr(value, "shape", []))
        return NodeResult((), {"text": [f"{type(value).__name__} {shape}"]})


class ComplexArray(Node):
    """An array of a dtype the safetensors disk tier cannot store (complex128)."""

    schema = NodeSchema(name="ComplexArray", inputs=(Int("n", 2),), outputs=(Output("value", ANY),))

    def run(self, n: int) -> tuple[np.ndarray]:
        return (np.arange(n) * (1 + 1j),)


TEST_NODES = (Counter, Explode, Pick, RepeatAdd, BadExpand, Volatile, Steps, Flaky, BadShape, Sink, ComplexArray)


# ---- fixtures ----------------------------------------------------------------------------------
# tests/conftest.py provides paths, store and executor (built on the registry below) and points
# WORLDGRAPH_CACHE_DIR at a temporary folder.
@pytest.fixture(autouse=True)
def _clean() -> None:
    CALLS.clear()
    Flaky.fail = True


@pytest.fixture
def registry() -> NodeRegistry:
    """The stand-ins plus this module's test nodes (overrides conftest's registry)."""
    registry = standin_registry()
    registry.register_all(TEST_NODES, source="tests")
    return registry


def make_executor(registry: NodeRegistry, paths: Paths, disk: bool = True) -> Executor:
    tier = DiskTier(paths.cache / "objects", registry.codecs) if disk else None
    return Executor(registry, ContentStore(MemoryTier(1 << 30), tier), paths)


def chain(length: int) -> Workflow:
    """PrimitiveInt "0" (=1) -> MathInt(+1) "1".."length-2" -> PreviewValue "length-1"."""
    workflow = Workflow()
    workflow.add_node("PrimitiveInt", {"value": 1}, node_id="0")
    for index in range(1, length - 1):
        workflow.add_node("MathInt", {"b": 1, "op": "add"}, node_id=str(index))
        workflow.connect(str(index - 1), "value" if index == 1 else "result", str(index), "a")
    workflow.add_node("PreviewValue", node_id=str(length - 1))
    workflow.connect(str(length - 2), "result", str(length - 1), "value")
    return workflow


def preview(workflow: Workflow, source: str, output: str, node_id: str) -> str:
    workflow.add_node("PreviewValue", node_id=node_id)
    workflow.connect(source, output, node_id, "value")
    return node_id


def text_of(result: graph.RunResult, node_id: str) -> str:
    return result.ui[node_id]["text"][0]


# ---- what runs ---------------------------------------------------------------------------------
def test_dangling_branch_never_runs(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("Counter", {"value": 5}, node_id="used")
    preview(workflow, "used", "value", "out")
    workflow.add_node("Counter", {"value": 1}, node_id="dangling")
    workflow.add_node("Counter", node_id="dangling2")
    workflow.connect("dangling", "value", "dangling2", "value")

    result = executor.run(workflow)

    assert result.targets == ["out"]
    assert result.executed == ["used", "out"]
    assert CALLS == ["used"]
    assert "dangling" not in result.values and "dangling2" not in result.values
    assert text_of(result, "out") == "5"


def test_requested_outputs_subset(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("Counter", {"value": 1}, node_id="a")
    workflow.add_node("Counter", {"value": 2}, node_id="b")
    preview(workflow, "a", "value", "pa")
    preview(workflow, "b", "value", "pb")

    result = executor.run(workflow, outputs=["pb"])

    assert result.targets == ["pb"]
    assert result.executed == ["b", "pb"]
    assert CALLS == ["b"]
    assert "pa" not in result.ui

    result = executor.run(workflow)  # now both: "pb" from cache, "pa" runs
    assert result.executed == ["a", "pa"]
    assert result.cached == ["pb"]


def test_dependency_order_diamond(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("PrimitiveInt", {"value": 3}, node_id="top")
    workflow.add_node("MathInt", {"b": 10, "op": "add"}, node_id="left")
    workflow.add_node("MathInt", {"b": 2, "op": "multiply"}, node_id="right")
    workflow.add_node("MathInt", {"op": "subtract"}, node_id="bottom")
    workflow.connect("top", "value", "left", "a")
    workflow.connect("top", "value", "right", "a")
    workflow.connect("left", "result", "bottom", "a")
    workflow.connect("right", "result", "bottom", "b")
    preview(workflow, "bottom", "result", "out")

    result = executor.run(workflow)

    order = result.executed
    assert sorted(order) == sorted(workflow.nodes)
    for link in workflow.links:
        assert order.index(link.source) < order.index(link.target), link
    assert text_of(result, "out") == str((3 + 10) - (3 * 2))
    assert result.output("bottom", "result") == 7
    assert result.output("bottom", 0) == 7
    with pytest.raises(KeyError, match="no output 'nope'"):
        result.output("bottom", "nope")


def test_identical_rerun_executes_nothing(executor: Executor) -> None:
    workflow = chain(8)
    first = executor.run(workflow)
    assert len(first.executed) == 8
    assert first.cached == []

    second = executor.run(workflow)

    assert second.executed == []
    assert second.cached == ["7"]
    assert text_of(second, "7") == text_of(first, "7") == "7"


def test_one_changed_constant_reruns_node_and_descendants_only(executor: Executor) -> None:
    workflow = chain(8)  # 0 -> 1 -> ... -> 6 -> 7 (preview)
    executor.run(workflow)
    workflow.set_input("3", "b", 5)

    result = executor.run(workflow)

    assert result.executed == ["3", "4", "5", "6", "7"]
    assert result.cached == ["2"]
    assert text_of(result, "7") == str(1 + 6 + 4)

    again = executor.run(workflow)
    assert again.executed == []


def test_changing_a_dangling_node_invalidates_nothing(executor: Executor) -> None:
    workflow = chain(5)
    workflow.add_node("PrimitiveInt", {"value": 1}, node_id="dangling")
    executor.run(workflow)
    workflow.set_input("dangling", "value", 2)
    assert executor.run(workflow).executed == []


# ---- laziness ----------------------------------------------------------------------------------
@pytest.mark.parametrize("condition", [True, False])
def test_switch_evaluates_only_the_chosen_branch(executor: Executor, condition: bool) -> None:
    workflow = Workflow()
    workflow.add_node("PrimitiveBoolean", {"value": condition}, node_id="cond")
    workflow.add_node("Counter", {"value": 42}, node_id="good")
    workflow.add_node("Explode", node_id="bad")
    workflow.add_node("Switch", node_id="switch")
    workflow.connect("cond", "value", "switch", "condition")
    workflow.connect("good", "value", "switch", "on_true" if condition else "on_false")
    workflow.connect("bad", "value", "switch", "on_false" if condition else "on_true")
    preview(workflow, "switch", "value", "out")

    result = executor.run(workflow)

    assert text_of(result, "out") == "42"
    assert "bad" not in result.executed and "bad" not in result.values
    assert CALLS == ["good"]
    # the cached result does not evaluate the untaken branch either
    assert executor.run(workflow).executed == []


def test_switch_condition_from_compare(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("Compare", {"a": 2.0, "b": 3.0, "op": "<"}, node_id="cmp")
    workflow.add_node("PrimitiveString", {"value": "small"}, node_id="t")
    workflow.add_node("Explode", node_id="f")
    workflow.add_node("Switch", node_id="sw")
    workflow.connect("cmp", "result", "sw", "condition")
    workflow.connect("t", "value", "sw", "on_true")
    workflow.connect("f", "value", "sw", "on_false")
    preview(workflow, "sw", "value", "out")

    assert text_of(executor.run(workflow), "out") == "'small'"


def test_needed_lazy_is_asked_again_after_lazy_inputs_arrive(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("Counter", {"value": 0}, node_id="first")
    workflow.add_node("Counter", {"value": 9}, node_id="second")
    workflow.add_node("Pick", node_id="pick")
    workflow.connect("first", "value", "pick", "first")
    workflow.connect("second", "value", "pick", "second")
    preview(workflow, "pick", "value", "out")

    result = executor.run(workflow)

    assert text_of(result, "out") == "9"
    assert CALLS == [
        ("needed_lazy", None, None), "first",
        ("needed_lazy", 0, None), "second",
        ("pick", 0, 9),
    ]


def test_lazy_input_not_asked_for_is_never_evaluated(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("Counter", {"value": 4}, node_id="first")
    workflow.add_node("Explode", node_id="second")
    workflow.add_node("Pick", node_id="pick")
    workflow.connect("first", "value", "pick", "first")
    workflow.connect("second", "value", "pick", "second")
    preview(workflow, "pick", "value", "out")

    result = executor.run(workflow)

    assert text_of(result, "out") == "4"
    assert CALLS == [("needed_lazy", None, None), "first", ("needed_lazy", 4, None), ("pick", 4, None)]


# ---- subgraph expansion ------------------------------------------------------------------------
class ForgetfulStore(ContentStore):
    """A store that pretends not to hold some keys (as if they had been evicted)."""

    def __init__(self, memory: MemoryTier) -> None:
        super().__init__(memory)
        self.forget: set[str] = set()

    def get(self, key: str) -> Any | None:
        return None if key in self.forget else super().get(key)


def repeat_workflow(start: int = 10, times: int = 4) -> Workflow:
    workflow = Workflow()
    workflow.add_node("RepeatAdd", {"start": start, "times": times}, node_id="r")
    preview(workflow, "r", "result", "out")
    return workflow


def test_expansion_result_and_events(executor: Executor) -> None:
    events: list[Any] = []
    result = executor.run(repeat_workflow(10, 4), on_event=events.append)

    assert text_of(result, "out") == "14"
    assert result.output("r", "result") == 14
    assert result.executed == ["r/0", "r/1", "r/2", "r/3", "r", "out"]
    assert result.ui["r"] == {"text": ["expanded 4"]}
    assert CALLS == [("expand", "r")]
    done = [e.node_id for e in events if isinstance(e, NodeDone)]
    assert done == result.executed


def test_expansion_with_linked_input(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("PrimitiveInt", {"value": 100}, node_id="p")
    workflow.add_node("RepeatAdd", {"times": 2}, node_id="r")
    workflow.connect("p", "value", "r", "start")
    preview(workflow, "r", "result", "out")
    assert text_of(executor.run(workflow), "out") == "102"
    workflow.set_input("p", "value", 200)
    result = executor.run(workflow)
    assert text_of(result, "out") == "202"
    assert result.executed == ["p", "r/0", "r/1", "r", "out"]


def test_expansion_cached_on_rerun(executor: Executor) -> None:
    workflow = repeat_workflow(1, 3)
    executor.run(workflow)
    result = executor.run(workflow)
    assert result.executed == []
    assert CALLS == [("expand", "r")]  # the expanding node did not run again
    # a different parameter expands again, with its own keys
    workflow.set_input("r", "times", 5)
    result = executor.run(workflow)
    assert text_of(result, "out") == "6"
    assert "r/4" in result.executed


def test_expanded_nodes_are_cached_under_stable_keys(registry: NodeRegistry, paths: Paths) -> None:
    store = ForgetfulStore(MemoryTier(1 << 30))
    executor = Executor(registry, store, paths)
    workflow = repeat_workflow(10, 4)
    executor.run(workflow)
    keys = node_keys(graph.plan(workflow, registry), paths)
    store.forget = {keys["r"], keys["out"]}  # as if the parent's own entry had been evicted

    result = executor.run(workflow)

    assert result.executed == ["r", "out"]  # the parent expands again...
    assert result.cached == ["r/3"]  # ...but its subgraph's result comes from the cache
    assert text_of(result, "out") == "14"
    assert CALLS == [("expand", "r"), ("expand", "r")]


@pytest.mark.parametrize("mode, message", [
    ("unknown_class", "unknown node class 'NoSuchNode'"),
    ("unknown_ref_node", "node 'zzz', which is neither in the subgraph nor in this run"),
    ("unknown_output", "unknown output 'nope' of node"),
    ("bad_constant", "must be an integer"),
    ("output_count", "expansion gives 2 outputs"),
])
def test_expansion_errors_become_node_execution_errors(executor: Executor, mode: str, message: str) -> None:
    workflow = Workflow()
    workflow.add_node("BadExpand", {"mode": mode}, node_id="x")
    preview(workflow, "x", "result", "out")

    with pytest.raises(NodeExecutionError) as caught:
        executor.run(workflow)

    assert caught.value.node_id == "x"
    assert caught.value.class_type == "BadExpand"
    assert message in caught.value.message
    assert caught.value.executed == []


def test_expansion_ref_to_unknown_output_between_subnodes_is_node_execution_error(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("BadExpand", {"mode": "unknown_ref_output"}, node_id="x")
    preview(workflow, "x", "result", "out")
    with pytest.raises(NodeExecutionError) as caught:
        executor.run(workflow)
    assert caught.value.node_id in ("x", "x/b")


# ---- cacheable=False and fingerprints --------------------------------------------------------------
def test_uncacheable_node_and_its_descendants_always_run(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("Volatile", {"value": 3}, node_id="v")
    workflow.add_node("Counter", node_id="after")
    workflow.connect("v", "value", "after", "value")
    preview(workflow, "after", "value", "out")
    workflow.add_node("Counter", {"value": 8}, node_id="steady")
    preview(workflow, "steady", "value", "out2")

    first = executor.run(workflow)
    second = executor.run(workflow)

    assert set(first.executed) == {"v", "after", "out", "steady", "out2"}
    assert second.executed == ["v", "after", "out"]
    assert second.cached == ["out2"]
    assert CALLS == ["v", "after", "steady", "v", "after"]


def _write_png(path: Path, size: tuple[int, int], color: tuple[int, int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)


def test_fingerprint_rewritten_input_file_reruns_load_image(executor: Executor, paths: Paths) -> None:
    _write_png(paths.input / "in.png", (4, 3), (1, 2, 3))
    workflow = Workflow()
    workflow.add_node("LoadImage", {"image": "in.png"}, node_id="load")
    preview(workflow, "load", "image", "out")

    first = executor.run(workflow)
    assert first.executed == ["load", "out"]
    assert text_of(first, "out") == "ndarray shape=[1, 3, 4, 3] dtype=uint8"
    assert executor.run(workflow).executed == []

    _write_png(paths.input / "in.png", (4, 3), (1, 2, 3))  # same bytes again: still cached
    assert executor.run(workflow).executed == []

    _write_png(paths.input / "in.png", (5, 2), (9, 9, 9))
    result = executor.run(workflow)
    assert result.executed == ["load", "out"]
    assert text_of(result, "out") == "ndarray shape=[1, 2, 5, 3] dtype=uint8"
    assert int(result.output("load")[0, 0, 0, 0]) == 9


# ---- events ------------------------------------------------------------------------------------
def steps_workflow() -> Workflow:
    workflow = Workflow()
    workflow.add_node("PrimitiveInt", {"value": 1}, node_id="1")
    workflow.add_node("Steps", node_id="2")
    workflow.connect("1", "value", "2", "value")
    preview(workflow, "2", "value", "3")
    return workflow


def test_events_in_order(executor: Executor) -> None:
    events: list[Any] = []
    result = executor.run(steps_workflow(), on_event=events.append, run_id="run-1")

    kinds = [(type(e).__name__, getattr(e, "node_id", None)) for e in events]
    assert kinds == [
        ("RunStarted", None),
        ("NodeStarted", "1"), ("NodeDone", "1"),
        ("NodeStarted", "2"), ("NodeProgress", "2"), ("NodeProgress", "2"), ("NodeProgress", "2"), ("NodeDone", "2"),
        ("NodeStarted", "3"), ("NodeDone", "3"),
        ("RunDone", None),
    ]
    assert all(e.run_id == "run-1" for e in events)
    assert result.run_id == "run-1"
    started = events[0]
    assert isinstance(started, RunStarted)
    assert started.targets == ("3",) and started.planned == 3
    progress = [e for e in events if isinstance(e, NodeProgress)]
    assert [(e.value, e.maximum) for e in progress] == [(1, 3), (2, 3), (3, 3)]
    done = {e.node_id: e for e in events if isinstance(e, NodeDone)}
    assert done["2"].ui == {"text": ["stepped 1"]}
    assert done["3"].ui == {"text": ["1"]}
    assert done["1"].ui is None
    assert done["2"].class_type == "Steps"
    assert all(e.seconds >= 0 for e in done.values())
    assert isinstance(events[-1], RunDone) and events[-1].result is result

    events.clear()
    executor.run(steps_workflow(), on_event=events.append)
    assert [type(e) for e in events] == [RunStarted, NodeCached, RunDone]
    assert (events[1].node_id, events[1].class_type) == ("3", "PreviewValue")


def test_failed_node_emits_node_failed(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("Flaky", node_id="f")
    preview(workflow, "f", "value", "out")
    events: list[Any] = []
    with pytest.raises(NodeExecutionError) as caught:
        executor.run(workflow, on_event=events.append)
    assert [type(e) for e in events] == [RunStarted, NodeStarted, NodeFailed]
    assert events[-1].error is caught.value


# ---- interrupts --------------------------------------------------------------------------------
def test_interrupt_requested_from_progress_callback(executor: Executor) -> None:
    interrupt = Interrupt()
    events: list[Any] = []

    def on_event(event: Any) -> None:
        events.append(event)
        if isinstance(event, NodeProgress):
            interrupt.request()

    with pytest.raises(Interrupted) as caught:
        executor.run(steps_workflow(), on_event=on_event, interrupt=interrupt)

    assert caught.value.node_id == "2"
    assert caught.value.executed == ["1"]
    assert "steps done" not in CALLS
    assert [type(e) for e in events] == [RunStarted, NodeStarted, NodeDone, NodeStarted, NodeProgress, RunInterrupted]
    last = events[-1]
    assert isinstance(last, RunInterrupted)
    assert (last.node_id, last.executed) == ("2", ("1",))

    # nothing of the interrupted node was cached; what ran before it was
    result = executor.run(steps_workflow())
    assert result.executed == ["2", "3"]
    assert result.cached == ["1"]


def test_interrupt_before_start(executor: Executor) -> None:
    interrupt = Interrupt()
    interrupt.request()
    events: list[Any] = []

    with pytest.raises(Interrupted) as caught:
        executor.run(steps_workflow(), on_event=events.append, interrupt=interrupt)

    assert caught.value.executed == []
    assert [type(e) for e in events] == [RunStarted, RunInterrupted]
    assert events[-1].executed == ()
    assert CALLS == []
    interrupt.clear()
    assert len(executor.run(steps_workflow(), interrupt=interrupt).executed) == 3


# ---- failures ----------------------------------------------------------------------------------
def test_failing_node_error_details_and_caching(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("PrimitiveInt", {"value": 6}, node_id="1")
    workflow.add_node("Counter", node_id="2")
    workflow.add_node("Flaky", node_id="3")
    workflow.connect("1", "value", "2", "value")
    workflow.connect("2", "value", "3", "value")
    preview(workflow, "3", "value", "4")

    with pytest.raises(NodeExecutionError) as caught:
        executor.run(workflow)

    error = caught.value
    assert (error.node_id, error.class_type) == ("3", "Flaky")
    assert error.message == "flaky failure"
    assert error.exception_type == "RuntimeError"
    assert "Traceback" in error.traceback and "RuntimeError: flaky failure" in error.traceback
    assert error.executed == ["1", "2"]
    assert str(error) == "node 3 (Flaky) failed: RuntimeError: flaky failure"
    assert error.to_dict()["executed"] == ["1", "2"]
    assert isinstance(error.__cause__, RuntimeError)

    with pytest.raises(NodeExecutionError):  # not cached: it runs (and fails) again
        executor.run(workflow)
    assert CALLS == ["2", "3", "3"]

    Flaky.fail = False
    result = executor.run(workflow)
    assert result.executed == ["3", "4"]
    assert result.cached == ["2"]
    assert text_of(result, "4") == "6"


@pytest.mark.parametrize("mode, message", [
    ("list", "returned list; expected a tuple of 2"),
    ("none", "returned NoneType"),
    ("scalar", "returned int"),
    ("too_few", "returned 1 output(s); its schema declares 2"),
    ("too_many", "returned 3 output(s); its schema declares 2"),
    ("result_list", "returned list"),
])
def test_wrong_return_shape_is_node_execution_error(executor: Executor, mode: str, message: str) -> None:
    workflow = Workflow()
    workflow.add_node("BadShape", {"mode": mode}, node_id="bad")
    preview(workflow, "bad", "a", "out")
    with pytest.raises(NodeExecutionError) as caught:
        executor.run(workflow)
    assert caught.value.node_id == "bad"
    assert caught.value.exception_type == "TypeError"
    assert message in caught.value.message


# ---- cached values and files ---------------------------------------------------------------------
def image_workflow(sink: str = "Sink") -> Workflow:
    workflow = Workflow()
    workflow.add_node("EmptyImage", {"width": 8, "height": 4, "red": 200}, node_id="img")
    workflow.add_node(sink, node_id="out")
    workflow.connect("img", "image", "out", "images" if sink in ("SaveImage", "PreviewImage") else "value")
    return workflow


def test_cached_arrays_are_read_only(executor: Executor) -> None:
    workflow = image_workflow()
    first = executor.run(workflow).output("img")
    assert not first.flags.writeable
    with pytest.raises(ValueError):
        first[0, 0, 0, 0] = 1
    result = executor.run(workflow)
    assert result.cached == ["img"]
    again = result.output("img")
    assert not again.flags.writeable
    assert int(again[0, 0, 0, 0]) == 200


def test_arrays_read_back_from_disk_are_read_only(registry: NodeRegistry, paths: Paths) -> None:
    make_executor(registry, paths).run(image_workflow())
    result = make_executor(registry, paths).run(image_workflow())
    assert result.cached == ["img"]
    assert not result.output("img").flags.writeable


def test_removed_output_file_makes_output_node_run_again(executor: Executor, paths: Paths) -> None:
    workflow = image_workflow("SaveImage")
    first = executor.run(workflow)
    [saved] = first.files["out"]
    assert saved.is_file()
    assert executor.run(workflow).executed == []

    saved.unlink()
    result = executor.run(workflow)

    assert result.executed == ["out"]
    assert result.cached == ["img"]
    assert saved.is_file()
    assert result.files["out"] == [saved]


def test_disk_cache_survives_a_restart(registry: NodeRegistry, paths: Paths) -> None:
    workflow = image_workflow()
    first = make_executor(registry, paths).run(workflow)
    assert first.executed == ["img", "out"]

    restarted = make_executor(registry, paths)  # new MemoryTier, same disk folder
    result = restarted.run(workflow)

    assert result.executed == ["out"]
    assert result.cached == ["img"]
    np.testing.assert_array_equal(result.output("img"), first.output("img"))
    assert result.output("img").dtype == np.uint8

    # without the disk tier, a fresh executor must compute it again
    memory_only = make_executor(registry, paths, disk=False)
    assert memory_only.run(workflow).executed == ["img", "out"]


def test_disk_cache_keeps_output_node_results_and_scalars_stay_in_memory(registry: NodeRegistry,
                                                                          paths: Paths) -> None:
    workflow = Workflow.load(ROOT / "workflows" / "hello.json", registry)
    first = make_executor(registry, paths).run(workflow)
    assert len(first.executed) == 8
    result = make_executor(registry, paths).run(workflow)
    assert result.executed == []
    assert sorted(result.cached) == ["7", "8"]
    assert result.files["7"] == first.files["7"]
    assert result.ui["8"] == first.ui["8"] == {"text": ["360"]}

    # only values holding arrays (and output nodes' results) are written to disk
    keys = node_keys(graph.plan(workflow, registry), paths)
    disk = DiskTier(paths.cache / "objects", registry.codecs)
    assert [n for n in sorted(keys) if disk.contains(keys[n])] == ["6", "7", "8"]


def test_unwritable_disk_cache_is_a_miss_not_a_failed_run(registry: NodeRegistry, paths: Paths,
                                                          tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("where the cache folder should be")
    store = ContentStore(MemoryTier(1 << 30), DiskTier(tmp_path / "a-file" / "objects", registry.codecs))
    executor = Executor(registry, store, paths)

    first = executor.run(image_workflow("SaveImage"))

    assert first.executed == ["img", "out"] and all(path.is_file() for path in first.files["out"])
    assert executor.run(image_workflow("SaveImage")).cached == ["out"]  # the memory tier still caches


def test_disk_cache_across_processes(tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    command = [str(WORLDGRAPH), "run", str(ROOT / "workflows" / "hello.json"), "--json",
               "--out", str(out), "--cache-dir", str(cache)]
    env = {**os.environ, "WORLDGRAPH_CACHE_DIR": str(tmp_path / "unused")}

    runs = [subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
            for _ in range(2)]

    for run in runs:
        assert run.returncode == 0, run.stderr
    first, second = (json.loads(run.stdout) for run in runs)
    assert sorted(first["executed"]) == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert second["executed"] == []
    assert sorted(second["cached"]) == ["7", "8"]
    assert second["outputs"] == first["outputs"] == {"7": [str(out / "hello_00001_.png")]}
    assert sorted(p.name for p in out.iterdir()) == ["hello_00001_.png"]
    assert any((cache / "objects").rglob("*.safetensors"))


def test_output_of_unstorable_dtype_stays_in_memory(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("ComplexArray", node_id="c")
    preview(workflow, "c", "value", "out")
    result = executor.run(workflow)
    assert result.executed == ["c", "out"]
    assert executor.run(workflow).executed == []


def test_evaluate_gives_any_nodes_values_and_runs_only_what_it_needs(registry: NodeRegistry, tmp_path: Path) -> None:
    executor = make_executor(registry, Paths.under(tmp_path), disk=False)
    workflow = chain(6)
    assert executor.evaluate(workflow, "3") == (4,)  # 1, then +1 three times; "4" and the preview never run
    result = executor.run(workflow)
    assert result.cached == ["3"] and result.executed == ["4", "5"]  # "3" (and so its ancestry) from cache
    with pytest.raises(graph.WorkflowInvalid, match="requested output node 'nope' does not exist"):
        executor.evaluate(workflow, "nope")
