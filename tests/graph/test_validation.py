"""Validation: every kind of problem, all reported together, in words that name node and input."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import pytest
from standins import standin_registry
from hypothesis import given, settings
from hypothesis import strategies as st

import graph
from graph import (INT, Input, Link, Node, NodeSchema, Output, Socket, ValidationError, Workflow,
                   WorkflowInvalid)

HELLO = Path(__file__).resolve().parents[2] / "workflows" / "hello.json"

#: One registry for the property tests (they never register anything into it).
REGISTRY = standin_registry()


def build(nodes: dict, links=()) -> Workflow:
    """``nodes``: id -> class or (class, inputs); ``links``: (source, output, target, input) tuples."""
    workflow = Workflow()
    for node_id, spec in nodes.items():
        class_type, inputs = (spec, {}) if isinstance(spec, str) else spec
        workflow.add_node(class_type, inputs, node_id=node_id)
    workflow.links.extend(Link(*link) for link in links)
    return workflow


def problems(workflow: Workflow, registry, outputs=None) -> list[str]:
    with pytest.raises(WorkflowInvalid) as caught:
        graph.plan(workflow, registry, outputs)
    assert all(isinstance(e, ValidationError) for e in caught.value.errors)
    assert graph.check(workflow, registry, outputs) == caught.value.errors
    return [str(e) for e in caught.value.errors]


def only_error(workflow: Workflow, registry, outputs=None) -> ValidationError:
    with pytest.raises(WorkflowInvalid) as caught:
        graph.plan(workflow, registry, outputs)
    assert len(caught.value.errors) == 1, caught.value.errors
    return caught.value.errors[0]


def preview_of(class_type: str, inputs: dict | None = None, output: str = "result") -> Workflow:
    """Node 1 of ``class_type`` feeding a PreviewValue (node 2), so node 1 is validated."""
    return build({"1": (class_type, inputs or {}), "2": "PreviewValue"}, [("1", output, "2", "value")])


class NeedsInt(Node):
    """A node with a widget input that has no default, an optional one and an IMAGE-or-VIDEO socket."""

    schema = NodeSchema(
        name="NeedsInt",
        inputs=(Input("n", INT), Input("extra", INT, optional=True),
                Socket("media", "IMAGE,VIDEO", optional=True)),
        outputs=(Output("n", INT),),
    )

    def run(self, n, extra=None, media=None):
        return (n,)


@pytest.fixture
def custom_registry(registry):
    registry.register(NeedsInt, source="tests")
    return registry


# ---- a valid workflow -----------------------------------------------------------------------------
def test_hello_plans(registry):
    workflow = Workflow.load(HELLO, registry)
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.targets == ["7", "8"]
    assert sorted(execution_plan.order) == sorted(workflow.nodes)
    assert set(execution_plan.nodes) == set(workflow.nodes)
    assert execution_plan.warnings == []
    _assert_topological(execution_plan, workflow)
    assert graph.check(workflow, registry) == []


def _assert_topological(execution_plan: graph.Plan, workflow: Workflow) -> None:
    position = {node_id: i for i, node_id in enumerate(execution_plan.order)}
    assert len(position) == len(execution_plan.order), "a node appears twice in the order"
    assert set(position) == set(execution_plan.nodes)
    for link in workflow.links:
        if link.target in position and link.source in position:
            assert position[link.source] < position[link.target], link
    for node_id, planned in execution_plan.nodes.items():
        for link in planned.links.values():
            assert position[link.source] < position[node_id]


def test_plan_constants_have_defaults_and_coercion(registry):
    workflow = Workflow.load(HELLO, registry)
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.nodes["2"].constants == {"b": 16, "op": "floor_divide"}  # 'a' is linked
    assert execution_plan.nodes["2"].links == {"a": Link("3", "result", "2", "a")}
    assert execution_plan.nodes["6"].constants == {"batch": 1, "green": 96, "blue": 160}
    assert execution_plan.nodes["7"].constants == {"filename_prefix": "hello", "embed_workflow": True}
    assert execution_plan.nodes["7"].class_type == "SaveImage"

    workflow = build({"1": ("MathInt", {"a": 4.0}), "2": ("MathFloat", {"b": 2}), "3": "Compare",
                      "4": "PreviewValue", "5": "PreviewValue", "6": "PreviewValue"},
                     [("1", "result", "4", "value"), ("2", "result", "5", "value"), ("3", "result", "6", "value")])
    nodes = graph.plan(workflow, registry).nodes
    assert nodes["1"].constants == {"a": 4, "b": 1, "op": "add"}
    assert type(nodes["1"].constants["a"]) is int
    assert nodes["2"].constants == {"a": 0.0, "b": 2.0, "op": "add"}
    assert type(nodes["2"].constants["b"]) is float
    assert nodes["3"].constants == {"a": 0.0, "b": 0.0, "op": "=="}


def test_a_linked_input_ignores_its_constant(registry):
    """The editor keeps the widget value of a linked input; it is neither checked nor used."""
    workflow = build({"1": "PrimitiveInt", "2": ("MathInt", {"a": "not a number", "op": "nope"}), "3": "PreviewValue"},
                     [("1", "value", "2", "a"), ("1", "value", "2", "op"), ("2", "result", "3", "value")])
    assert problems(workflow, registry) == [
        "node 2 (MathInt): input 'op' expects COMBO but is linked to output 'value' of node 1 (PrimitiveInt), "
        "which gives INT"]
    workflow.disconnect("2", "op")
    workflow.set_input("2", "op", "add")
    planned = graph.plan(workflow, registry).nodes["2"]
    assert planned.constants == {"b": 1, "op": "add"}
    assert set(planned.links) == {"a"}


def test_any_socket_takes_anything(registry):
    workflow = build({"1": "EmptyImage", "2": "PrimitiveString", "3": ("Switch", {"on_false": [1, 2]}),
                      "4": "PreviewValue", "5": "PreviewValue"},
                     [("1", "image", "3", "on_true"), ("3", "value", "4", "value"), ("2", "value", "5", "value")])
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.nodes["3"].constants == {"condition": True, "on_false": [1, 2]}
    # an ANY output may feed a typed input
    workflow.disconnect("3", "on_true")
    workflow.set_input("3", "on_true", 8)
    workflow.connect("3", "value", "1", "width")
    workflow.add_node("PreviewImage", node_id="6")
    workflow.connect("1", "image", "6", "images")
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.nodes["1"].links == {"width": Link("3", "value", "1", "width")}
    assert execution_plan.order.index("3") < execution_plan.order.index("1") < execution_plan.order.index("6")


def test_multi_type_socket(custom_registry):
    workflow = build({"1": "EmptyImage", "2": ("NeedsInt", {"n": 1}), "3": "PreviewValue"},
                     [("1", "image", "2", "media"), ("2", "n", "3", "value")])
    assert graph.check(workflow, custom_registry) == []
    workflow.connect("1", "image", "2", "extra")
    assert problems(workflow, custom_registry) == [
        "node 2 (NeedsInt): input 'extra' expects INT but is linked to output 'image' of node 1 (EmptyImage), "
        "which gives IMAGE"]


# ---- each kind of problem ------------------------------------------------------------------------
def test_unknown_class_with_a_suggestion(registry):
    workflow = preview_of("MathInts", {"a": 1})
    error = only_error(workflow, registry)
    assert error == ValidationError("unknown node class 'MathInts'; did you mean 'MathInt'?", "1", "MathInts",
                                    None, "unknown_class")
    assert str(error) == "node 1 (MathInts): unknown node class 'MathInts'; did you mean 'MathInt'?"


def test_unknown_class_without_a_suggestion(registry):
    error = only_error(preview_of("Qwxzv"), registry)
    assert str(error) == "node 1 (Qwxzv): unknown node class 'Qwxzv'"
    assert error.kind == "unknown_class"


def test_unknown_class_is_reported_anywhere(registry):
    workflow = Workflow.load(HELLO, registry)
    workflow.add_node("SaveImag", node_id="99")  # dangling, not an output of a known class
    assert problems(workflow, registry) == [
        "node 99 (SaveImag): unknown node class 'SaveImag'; did you mean 'SaveImage'?"]
    assert problems(workflow, registry, outputs=["8"]) == [
        "node 99 (SaveImag): unknown node class 'SaveImag'; did you mean 'SaveImage'?"]


def test_unknown_class_alone_does_not_also_claim_no_output(registry):
    assert problems(build({"1": "SaveImg"}), registry) == [
        "node 1 (SaveImg): unknown node class 'SaveImg'; did you mean 'SaveImage'?"]


def test_missing_socket_input(registry):
    error = only_error(build({"1": "SaveImage"}), registry)
    assert error == ValidationError("is required but (IMAGE) is not connected", "1", "SaveImage", "images",
                                    "missing_input")
    assert str(error) == "node 1 (SaveImage): input 'images' is required but (IMAGE) is not connected"
    assert str(only_error(build({"3": "PreviewValue"}), registry)) == (
        "node 3 (PreviewValue): input 'value' is required but (*) is not connected")


def test_missing_widget_value_and_optional_inputs(custom_registry):
    workflow = preview_of("NeedsInt", output="n")
    error = only_error(workflow, custom_registry)
    assert str(error) == "node 1 (NeedsInt): input 'n' is required but has no value"
    assert error.kind == "missing_input"
    workflow.set_input("1", "n", 3)
    planned = graph.plan(workflow, custom_registry).nodes["1"]
    assert planned.constants == {"n": 3}  # optional inputs without a value are left out


def test_type_mismatch_on_a_link(registry):
    workflow = build({"1": "EmptyImage", "2": "MathFloat", "3": "MathInt", "4": "PreviewValue"},
                     [("1", "image", "3", "a"), ("2", "result", "3", "b"), ("3", "result", "4", "value")])
    assert problems(workflow, registry) == [
        "node 3 (MathInt): input 'a' expects INT but is linked to output 'image' of node 1 (EmptyImage), "
        "which gives IMAGE",
        "node 3 (MathInt): input 'b' expects INT but is linked to output 'result' of node 2 (MathFloat), "
        "which gives FLOAT",
    ]
    error = graph.check(workflow, registry)[0]
    assert (error.node_id, error.class_type, error.input, error.kind) == ("3", "MathInt", "a", "type_mismatch")


def test_image_into_an_int_and_int_into_an_image(registry):
    workflow = build({"1": "PrimitiveInt", "2": "SaveImage"}, [("1", "value", "2", "images")])
    assert problems(workflow, registry) == [
        "node 2 (SaveImage): input 'images' expects IMAGE but is linked to output 'value' of node 1 (PrimitiveInt), "
        "which gives INT"]


def test_link_from_a_missing_node(registry):
    workflow = build({"2": "PreviewValue"}, [("1", "value", "2", "value")])
    errors = graph.check(workflow, registry)
    assert errors[0] == ValidationError("is linked to node 1, which does not exist", "2", "PreviewValue", "value",
                                        "bad_link")
    assert str(errors[0]) == "node 2 (PreviewValue): input 'value' is linked to node 1, which does not exist"


def test_link_into_a_missing_node_is_a_warning(registry):
    """A dangling link feeds nothing that runs: it is reported, and the workflow still runs."""
    workflow = build({"1": "PrimitiveInt", "2": "PreviewValue"},
                     [("1", "value", "2", "value"), ("1", "value", "77", "a")])
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.warnings == [ValidationError(
        "a link from node 1 points to node 77, which does not exist; ignored", None, None, None, "bad_link")]
    assert str(execution_plan.warnings[0]) == "a link from node 1 points to node 77, which does not exist; ignored"


def test_link_from_a_missing_output(registry):
    workflow = build({"1": "PrimitiveInt", "2": "PreviewValue"}, [("1", "result", "2", "value")])
    error = only_error(workflow, registry)
    assert str(error) == ("node 2 (PreviewValue): input 'value' is linked to output 'result' of node 1 "
                          "(PrimitiveInt), which has no such output (outputs: value)")
    assert error.kind == "bad_link"


def test_link_from_a_node_without_outputs(registry):
    workflow = build({"1": "EmptyImage", "2": "SaveImage", "3": "PreviewValue"},
                     [("1", "image", "2", "images"), ("2", "image", "3", "value")])
    assert problems(workflow, registry) == [
        "node 3 (PreviewValue): input 'value' is linked to output 'image' of node 2 (SaveImage), which has no such "
        "output (outputs: none)"]


def test_link_into_an_unknown_input(registry):
    workflow = build({"1": "PrimitiveInt", "2": "PreviewValue"},
                     [("1", "value", "2", "values")])
    assert problems(workflow, registry) == [
        "node 2 (PreviewValue): input 'values' is linked but PreviewValue has no such input",
        "node 2 (PreviewValue): input 'value' is required but (*) is not connected",
    ]
    assert graph.check(workflow, registry)[0].kind == "bad_link"


def test_two_links_into_one_input(registry):
    workflow = build({"1": "PrimitiveInt", "2": "PrimitiveInt", "3": "PreviewValue"},
                     [("1", "value", "3", "value"), ("2", "value", "3", "value")])
    error = only_error(workflow, registry)
    assert error == ValidationError("has more than one link; an input takes one", "3", "PreviewValue", "value",
                                    "bad_link")
    assert str(error) == "node 3 (PreviewValue): input 'value' has more than one link; an input takes one"


@pytest.mark.parametrize(("class_type", "inputs", "expected"), [
    ("Seed", {"seed": -3}, "node 1 (Seed): input 'seed' = -3 must be >= 0"),
    ("Seed", {"seed": 2**64}, "node 1 (Seed): input 'seed' = 18446744073709551616 must be <= 18446744073709551615"),
    ("EmptyImage", {"width": 0}, "node 1 (EmptyImage): input 'width' = 0 must be >= 1"),
    ("EmptyImage", {"red": 256}, "node 1 (EmptyImage): input 'red' = 256 must be <= 255"),
    ("EmptyImage", {"height": 8193.0}, "node 1 (EmptyImage): input 'height' = 8193.0 must be <= 8192"),
    ("PrimitiveInt", {"value": -(2**63) - 1},
     "node 1 (PrimitiveInt): input 'value' = -9223372036854775809 must be >= -9223372036854775808"),
])
def test_value_out_of_range(registry, class_type, inputs, expected):
    output = "seed" if class_type == "Seed" else ("image" if class_type == "EmptyImage" else "value")
    error = only_error(preview_of(class_type, inputs, output), registry)
    assert str(error) == expected
    assert error.kind == "bad_value"


def test_range_limits_themselves_are_accepted(registry):
    workflow = preview_of("EmptyImage", {"width": 1, "height": 8192, "red": 255, "green": 0}, "image")
    assert graph.plan(workflow, registry).nodes["1"].constants["height"] == 8192


def test_value_not_among_the_choices(registry):
    error = only_error(preview_of("MathInt", {"op": "divide"}), registry)
    assert str(error) == ("node 1 (MathInt): input 'op' = 'divide' is not one of the choices ('add', 'subtract', "
                          "'multiply', 'min', 'max', 'power', 'floor_divide', 'modulo')")
    assert error.kind == "bad_value"
    assert str(only_error(preview_of("Compare", {"op": "=<"}), registry)) == (
        "node 1 (Compare): input 'op' = '=<' is not one of the choices ('==', '!=', '<', '<=', '>', '>=')")
    assert str(only_error(preview_of("Compare", {"op": 1}), registry)).startswith(
        "node 1 (Compare): input 'op' = 1 is not one of the choices")


@pytest.mark.parametrize(("class_type", "inputs", "expected"), [
    ("MathInt", {"a": "3"}, "node 1 (MathInt): input 'a' = '3' must be an integer"),
    ("MathInt", {"a": True}, "node 1 (MathInt): input 'a' = True must be an integer"),
    ("MathInt", {"b": False}, "node 1 (MathInt): input 'b' = False must be an integer"),
    ("MathInt", {"a": 2.5}, "node 1 (MathInt): input 'a' = 2.5 must be an integer"),
    ("MathInt", {"a": None}, "node 1 (MathInt): input 'a' = None must be an integer"),
    ("MathInt", {"a": [1]}, "node 1 (MathInt): input 'a' = [1] must be an integer"),
    ("MathInt", {"a": math.nan}, "node 1 (MathInt): input 'a' = nan must be an integer"),
    ("MathInt", {"a": math.inf}, "node 1 (MathInt): input 'a' = inf must be an integer"),
    ("MathFloat", {"a": math.nan}, "node 1 (MathFloat): input 'a' = nan must be a finite number"),
    ("MathFloat", {"b": -math.inf}, "node 1 (MathFloat): input 'b' = -inf must be a finite number"),
    ("MathFloat", {"a": "1.5"}, "node 1 (MathFloat): input 'a' = '1.5' must be a number"),
    ("MathFloat", {"a": True}, "node 1 (MathFloat): input 'a' = True must be a number"),
    ("MathFloat", {"a": {"x": 1}}, "node 1 (MathFloat): input 'a' = {'x': 1} must be a number"),
    ("PrimitiveString", {"value": 5}, "node 1 (PrimitiveString): input 'value' = 5 must be text"),
    ("PrimitiveBoolean", {"value": 1}, "node 1 (PrimitiveBoolean): input 'value' = 1 must be true or false"),
    ("PrimitiveBoolean", {"value": "true"}, "node 1 (PrimitiveBoolean): input 'value' = 'true' must be true or false"),
    ("PrimitiveString", {"value": ["x" * 100]},
     "node 1 (PrimitiveString): input 'value' = ['" + "x" * 55 + "... must be text"),
])
def test_value_of_the_wrong_type(registry, class_type, inputs, expected):
    output = "value" if class_type.startswith("Primitive") else "result"
    error = only_error(preview_of(class_type, inputs, output), registry)
    assert str(error) == expected
    assert error.kind == "bad_value"


def test_integral_floats_are_integers(registry):
    workflow = preview_of("MathInt", {"a": -7.0, "b": 1e15})
    constants = graph.plan(workflow, registry).nodes["1"].constants
    assert constants == {"a": -7, "b": 10**15, "op": "add"}
    assert all(type(constants[k]) is int for k in ("a", "b"))


@pytest.mark.parametrize("class_type", ["MathFloat", "Compare"])
def test_huge_integer_for_a_float_input_is_a_validation_error(registry, class_type):
    with pytest.raises(WorkflowInvalid) as caught:
        graph.plan(preview_of(class_type, {"a": 10**400}), registry)
    [error] = caught.value.errors
    assert (error.node_id, error.input, error.kind) == ("1", "a", "bad_value")


def test_constant_given_to_an_image_socket(registry):
    workflow = build({"1": "EmptyImage", "2": ("SaveImage", {"images": "photo.png"}), "3": ("PreviewImage",
                                                                                            {"images": [[0, 0, 0]]})})
    assert problems(workflow, registry) == [
        "node 2 (SaveImage): input 'images' (IMAGE) cannot hold a typed-in value; connect it to a node that gives "
        "IMAGE",
        "node 3 (PreviewImage): input 'images' (IMAGE) cannot hold a typed-in value; connect it to a node that "
        "gives IMAGE",
    ]
    assert {e.kind for e in graph.check(workflow, registry)} == {"bad_value"}


def test_cycle_with_its_path(registry):
    workflow = build({"1": "MathInt", "2": "MathInt", "3": "MathInt", "4": "PreviewValue"},
                     [("3", "result", "1", "a"), ("1", "result", "2", "a"), ("2", "result", "3", "a"),
                      ("3", "result", "4", "value")])
    error = only_error(workflow, registry)
    assert error == ValidationError("is part of a cycle: 1 <- 3 <- 2 <- 1", "1", "MathInt", None, "cycle")
    assert str(error) == "node 1 (MathInt): is part of a cycle: 1 <- 3 <- 2 <- 1"


def test_self_loop(registry):
    workflow = build({"7": "MathInt", "8": "PreviewValue"}, [("7", "result", "7", "b"), ("7", "result", "8", "value")])
    assert problems(workflow, registry) == ["node 7 (MathInt): is part of a cycle: 7 <- 7"]


def test_two_cycles_are_both_reported(registry):
    workflow = build({"a1": "MathInt", "a2": "MathInt", "b1": "MathInt", "b2": "MathInt", "m": "MathInt",
                      "out": "PreviewValue"},
                     [("a1", "result", "a2", "a"), ("a2", "result", "a1", "a"),
                      ("b1", "result", "b2", "a"), ("b2", "result", "b1", "a"),
                      ("a2", "result", "m", "a"), ("b2", "result", "m", "b"), ("m", "result", "out", "value")])
    assert problems(workflow, registry) == [
        "node a1 (MathInt): is part of a cycle: a1 <- a2 <- a1",
        "node b1 (MathInt): is part of a cycle: b1 <- b2 <- b1",
    ]


def test_cycle_behind_a_lazy_switch_is_still_a_cycle(registry):
    workflow = build({"1": ("Switch", {"on_true": 1}), "2": "MathInt", "3": "PreviewValue"},
                     [("2", "result", "1", "on_false"), ("1", "value", "2", "a"), ("1", "value", "3", "value")])
    assert problems(workflow, registry) == ["node 1 (Switch): is part of a cycle: 1 <- 2 <- 1"]


def test_a_cycle_no_output_needs_is_ignored(registry):
    workflow = build({"1": "MathInt", "2": "MathInt", "3": "PrimitiveInt", "4": "PreviewValue"},
                     [("1", "result", "2", "a"), ("2", "result", "1", "a"), ("3", "value", "4", "value")])
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.order == ["3", "4"]


def test_no_output_node(registry):
    for workflow in (Workflow(), build({"1": "PrimitiveInt", "2": "MathInt"}, [("1", "value", "2", "a")])):
        error = only_error(workflow, registry)
        assert error == ValidationError("the workflow has no output node: add a Save or Preview node", None, None,
                                        None, "no_output")
        assert str(error) == "the workflow has no output node: add a Save or Preview node"


def test_requested_output_that_is_not_an_output_node(registry):
    workflow = Workflow.load(HELLO, registry)
    error = only_error(workflow, registry, outputs=["1"])
    assert error == ValidationError("was requested as an output but is not an output node", "1", "PrimitiveInt",
                                    None, "no_output")
    assert str(error) == "node 1 (PrimitiveInt): was requested as an output but is not an output node"


def test_requested_output_that_does_not_exist(registry):
    workflow = Workflow.load(HELLO, registry)
    assert problems(workflow, registry, outputs=["7", "42"]) == ["requested output node '42' does not exist"]


def test_no_outputs_requested(registry):
    workflow = Workflow.load(HELLO, registry)
    assert problems(workflow, registry, outputs=[]) == ["no output nodes were requested"]


def test_requested_outputs_plan_only_what_they_need(registry):
    workflow = Workflow.load(HELLO, registry)
    execution_plan = graph.plan(workflow, registry, outputs=["8"])
    assert execution_plan.targets == ["8"]
    assert execution_plan.order == ["1", "3", "2", "8"]
    assert set(execution_plan.nodes) == {"1", "2", "3", "8"}


# ---- all at once, and only what the outputs need -----------------------------------------------------
def test_all_problems_are_reported_together(registry):
    workflow = build(
        {"1": ("MathInt", {"op": "divide", "b": "2"}), "2": ("EmptyImage", {"width": 0}), "3": "SaveImage",
         "4": "PreviewValue", "5": "MathFloatt", "6": ("MathFloat", {"a": math.nan}), "7": "PreviewValue"},
        [("2", "image", "1", "a"), ("2", "image", "3", "images"), ("1", "result", "4", "value"),
         ("6", "result", "7", "value"), ("6", "result", "7", "value"), ("1", "result", "99", "x")],
    )
    with pytest.raises(WorkflowInvalid) as caught:
        graph.plan(workflow, registry)
    invalid = caught.value
    assert [str(e) for e in invalid.errors] == [
        "node 5 (MathFloatt): unknown node class 'MathFloatt'; did you mean 'MathFloat'?",
        "node 7 (PreviewValue): input 'value' has more than one link; an input takes one",
        "node 1 (MathInt): input 'a' expects INT but is linked to output 'image' of node 2 (EmptyImage), which "
        "gives IMAGE",
        "node 1 (MathInt): input 'b' = '2' must be an integer",
        "node 1 (MathInt): input 'op' = 'divide' is not one of the choices ('add', 'subtract', 'multiply', 'min', "
        "'max', 'power', 'floor_divide', 'modulo')",
        "node 2 (EmptyImage): input 'width' = 0 must be >= 1",
        "node 6 (MathFloat): input 'a' = nan must be a finite number",
    ]
    assert str(invalid).startswith("workflow is invalid (7 problem(s)):\n  - node 5 (MathFloatt): unknown")
    assert str(invalid).endswith("\n  - node 6 (MathFloat): input 'a' = nan must be a finite number")
    grouped = invalid.by_node()
    assert sorted(grouped, key=str) == ["1", "2", "5", "6", "7"]
    assert len(grouped["1"]) == 3
    assert grouped["7"][0].to_dict() == {
        "node_id": "7", "class_type": "PreviewValue", "input": "value", "kind": "bad_link",
        "message": "has more than one link; an input takes one",
        "text": "node 7 (PreviewValue): input 'value' has more than one link; an input takes one"}
    assert grouped["2"][0].to_dict()["text"] == "node 2 (EmptyImage): input 'width' = 0 must be >= 1"


def test_only_ancestors_of_outputs_are_validated(registry):
    workflow = Workflow.load(HELLO, registry)
    # a dangling branch full of problems that no output needs
    workflow.add_node("MathInt", {"op": "divide", "a": "x"}, node_id="20")
    workflow.add_node("MathFloat", {"a": math.nan}, node_id="21")
    workflow.add_node("SaveImage", {"images": "x.png"}, node_id="22")  # an output node, but not requested
    workflow.add_node("MathInt", node_id="23")
    workflow.connect("6", "image", "20", "b")  # a type mismatch
    workflow.connect("21", "result", "23", "a")
    workflow.connect("20", "result", "23", "zzz")  # an unknown input
    workflow.connect("23", "result", "23", "b")  # a cycle
    execution_plan = graph.plan(workflow, registry, outputs=["7", "8"])
    assert set(execution_plan.nodes) == {"1", "2", "3", "4", "5", "6", "7", "8"}
    assert execution_plan.warnings == []
    # asking for every output includes SaveImage 22 but still not the dangling nodes
    assert problems(workflow, registry) == [
        "node 22 (SaveImage): input 'images' (IMAGE) cannot hold a typed-in value; connect it to a node that "
        "gives IMAGE"]


@pytest.mark.parametrize("broken_links", [
    [("404", "value", "20", "a")],
    [("1", "value", "20", "a"), ("4", "seed", "20", "a")],
])
def test_link_problems_of_nodes_no_output_needs_are_ignored(registry, broken_links):
    workflow = Workflow.load(HELLO, registry)
    workflow.add_node("MathInt", node_id="20")
    workflow.links.extend(Link(*link) for link in broken_links)
    execution_plan = graph.plan(workflow, registry, outputs=["8"])
    assert "20" not in execution_plan.nodes


# ---- warnings ------------------------------------------------------------------------------------
def test_unknown_constant_inputs_are_warnings(registry):
    workflow = preview_of("MathInt", {"a": 1, "c": 5, "opp": "add"})
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.warnings == [
        ValidationError("is not an input of MathInt; ignored", "1", "MathInt", "c", "unknown_input"),
        ValidationError("is not an input of MathInt; ignored", "1", "MathInt", "opp", "unknown_input"),
    ]
    assert str(execution_plan.warnings[0]) == "node 1 (MathInt): input 'c' is not an input of MathInt; ignored"
    assert execution_plan.nodes["1"].constants == {"a": 1, "b": 1, "op": "add"}
    assert graph.check(workflow, registry) == []


def test_warnings_of_nodes_no_output_needs_are_not_given(registry):
    workflow = preview_of("MathInt", {"a": 1})
    workflow.add_node("MathInt", {"c": 5}, node_id="9")
    assert graph.plan(workflow, registry).warnings == []


# ---- size ---------------------------------------------------------------------------------------
def chain(length: int) -> Workflow:
    workflow = Workflow()
    workflow.add_node("PrimitiveInt", {"value": 1}, node_id="0")
    for i in range(1, length - 1):
        workflow.add_node("MathInt", node_id=str(i))
        workflow.links.append(Link(str(i - 1), "value" if i == 1 else "result", str(i), "a"))
    workflow.add_node("PreviewValue", node_id=str(length - 1))
    workflow.links.append(Link(str(length - 2), "result", str(length - 1), "value"))
    return workflow


def test_ten_thousand_node_chain(registry):
    workflow = chain(10_000)
    assert sys.getrecursionlimit() < 10_000
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.order == [str(i) for i in range(10_000)]
    assert execution_plan.targets == ["9999"]


def test_ten_thousand_node_chain_listed_backwards(registry):
    forward = chain(10_000)
    workflow = Workflow(dict(reversed(list(forward.nodes.items()))), list(reversed(forward.links)))
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.order == [str(i) for i in range(10_000)]


def test_ten_thousand_node_cycle(registry):
    workflow = chain(10_000)
    workflow.links.append(Link("9998", "result", "1", "b"))  # 1 <- 9998 <- ... <- 2 <- 1
    errors = problems(workflow, registry)
    assert len(errors) == 1
    assert errors[0].startswith("node 1 (MathInt): is part of a cycle: 1 <- 9998 <- 9997 <- ")
    assert errors[0].endswith(" <- 3 <- 2 <- 1")
    assert errors[0].count(" <- ") == 9998


def test_cycle_with_a_long_tail(registry):
    workflow = chain(1_000)
    workflow.links.append(Link("2", "result", "1", "b"))  # 1 <- 2 <- 1, then 997 nodes downstream
    assert problems(workflow, registry) == ["node 1 (MathInt): is part of a cycle: 1 <- 2 <- 1"]


def test_reporting_a_cycle_with_a_long_tail_takes_linear_time(registry):
    workflow = chain(4_000)
    started = time.perf_counter()
    graph.plan(workflow, registry)
    acyclic = time.perf_counter() - started
    workflow.links.append(Link("2", "result", "1", "b"))  # 1 <- 2 <- 1, then 3,997 nodes downstream
    started = time.perf_counter()
    errors = graph.check(workflow, registry)
    cyclic = time.perf_counter() - started
    assert [str(e) for e in errors] == ["node 1 (MathInt): is part of a cycle: 1 <- 2 <- 1"]
    assert cyclic < 0.25 + 10 * acyclic, f"{cyclic:.2f}s with the cycle, {acyclic:.3f}s without"


# ---- properties -----------------------------------------------------------------------------------
CLASSES = ["PrimitiveInt", "PrimitiveFloat", "PrimitiveBoolean", "PrimitiveString", "Seed", "MathInt", "MathFloat",
           "Compare", "Switch", "PreviewValue", "EmptyImage", "SaveImage", "PreviewImage", "LoadImage", "Nope"]
WORKFLOW_LEVEL = ("the workflow has no output node", "requested output node ", "no output nodes were requested",
                  "a link from node ")
KINDS = {"unknown_class", "missing_input", "bad_link", "type_mismatch", "bad_value", "cycle", "no_output"}

# Integers stay inside the float range: beyond it is test_huge_integer_for_a_float_input_is_a_validation_error.
constant_values = (
    st.integers(-(2**70), 2**70) | st.integers(-3, 300) | st.floats() | st.booleans() | st.none() | st.text(max_size=3)
    | st.sampled_from(["add", "multiply", "modulo", "<", "==", "x", ""]) | st.lists(st.integers(), max_size=2)
)


def valid_constants(spec: Input):
    """Values a widget input accepts."""
    low = -(10**6) if spec.min is None else spec.min
    high = 10**6 if spec.max is None else spec.max
    if spec.type == "INT":
        return st.integers(int(low), int(high))
    if spec.type == "FLOAT":
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if spec.type == "BOOLEAN":
        return st.booleans()
    if spec.type == "STRING":
        return st.text(max_size=8)
    if spec.type == "COMBO":
        return st.sampled_from(spec.choices)
    return st.integers()  # ANY


@st.composite
def random_graphs(draw):
    """Random graphs of built-in nodes; ``junk`` (percent) is how often a part is wrong: an unknown class,
    a bad constant, a link to a missing node, output or input, a backward link that may close a cycle."""
    junk = draw(st.sampled_from([0, 0, 0, 5, 20, 60]))

    def wrong() -> bool:
        return draw(st.integers(0, 99)) < junk

    count = draw(st.integers(1, 10))
    ids = [str(i) for i in range(1, count + 1)]
    workflow = Workflow()
    for node_id in ids:
        class_type = draw(st.sampled_from(CLASSES[:-1])) if not wrong() else draw(st.sampled_from(CLASSES))
        if node_id == ids[-1] and draw(st.integers(0, 3)):
            class_type = draw(st.sampled_from(["PreviewValue", "PreviewValue", "SaveImage", "PreviewImage"]))
        inputs = {}
        if class_type in REGISTRY:
            for spec in REGISTRY.get(class_type).schema.inputs:
                if draw(st.integers(0, 2)) == 0:
                    inputs[spec.name] = draw(constant_values if wrong() else valid_constants(spec))
        if wrong():
            inputs["junk"] = draw(constant_values)
        workflow.add_node(class_type, inputs, node_id=node_id)

    def schema_of(node_id):
        class_type = workflow.nodes[node_id].class_type
        return REGISTRY.get(class_type).schema if class_type in REGISTRY else NodeSchema(name=class_type)

    # links that fit: from an earlier node, of a compatible type; required sockets are fed when possible
    for position, target in enumerate(ids):
        for spec in schema_of(target).inputs:
            required = not spec.has_default and not spec.optional
            if not (required or draw(st.integers(0, 3)) == 0):
                continue
            sources = [(source, out.name) for source in ids[:position] for out in schema_of(source).outputs
                       if REGISTRY.types.compatible(out.type, spec.type)]
            if sources:
                source, output = draw(st.sampled_from(sources))
                workflow.connect(source, output, target, spec.name)
    # links that may not fit
    for _ in range(draw(st.integers(0, 2 * count)) if junk else 0):
        source, target = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        output = draw(st.sampled_from([o.name for o in schema_of(source).outputs] + ["value", "result", "nope"]))
        input_name = draw(st.sampled_from([i.name for i in schema_of(target).inputs] + ["value", "a", "nope"]))
        if wrong():
            source = "99"
        if wrong():
            target = "98"
        if draw(st.booleans()):
            workflow.connect(source, output, target, input_name)
        else:
            workflow.links.append(Link(source, output, target, input_name))
    outputs = None
    if draw(st.integers(0, 3)) == 0:
        candidates = [*ids, "99"] if junk else [i for i in ids if schema_of(i).output_node] or ids
        outputs = draw(st.lists(st.sampled_from(candidates), max_size=3))
    return workflow, outputs


@settings(max_examples=300, deadline=None)
@given(random_graphs())
def test_plan_of_a_random_graph_is_a_topological_order_or_validation_errors(case):
    workflow, outputs = case
    before = workflow.to_json()
    try:
        execution_plan = graph.plan(workflow, REGISTRY, outputs)
    except WorkflowInvalid as invalid:
        assert invalid.errors
        for error in invalid.errors:
            assert isinstance(error, ValidationError)
            assert error.kind in KINDS
            text = str(error)
            if error.node_id is None:
                assert text.startswith(WORKFLOW_LEVEL), text
            else:
                assert error.node_id in workflow.nodes
                assert text.startswith(f"node {error.node_id} ({workflow.nodes[error.node_id].class_type})"), text
        assert graph.check(workflow, REGISTRY, outputs) == invalid.errors
    else:
        assert execution_plan.targets
        for target in execution_plan.targets:
            assert REGISTRY.get(workflow.nodes[target].class_type).schema.output_node
            if outputs is not None:
                assert target in outputs
        _assert_topological(execution_plan, workflow)
        for node_id, planned in execution_plan.nodes.items():
            node_class = REGISTRY.get(workflow.nodes[node_id].class_type)
            assert planned.node_class is node_class
            for name, link in planned.links.items():
                assert link.source in execution_plan.nodes and link.target == node_id and link.input == name
            names = {spec.name for spec in node_class.schema.inputs}
            assert set(planned.constants) | set(planned.links) <= names
            # every required input has a value or a link
            for spec in node_class.schema.inputs:
                assert spec.name in planned.constants or spec.name in planned.links or spec.optional
        assert graph.check(workflow, REGISTRY, outputs) == []
    assert workflow.to_json() == before  # validation never changes the workflow


@settings(max_examples=150, deadline=None)
@given(random_graphs())
def test_random_graphs_survive_a_round_trip_with_the_same_verdict(case):
    workflow, outputs = case
    again = Workflow.from_json(workflow.to_json(), REGISTRY)
    first, second = graph.check(workflow, REGISTRY, outputs), graph.check(again, REGISTRY, outputs)
    assert [str(e) for e in first] == [str(e) for e in second]
