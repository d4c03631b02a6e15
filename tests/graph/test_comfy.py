"""ComfyUI's node contract run as it is (graph/comfy/nodes.py, graph/comfy/inputs.py): the test pack
``tests/custom_nodes/packs/comfy_contract`` through the executor, broken classes, and the
INPUT_TYPES parser under Hypothesis."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import graph
from graph import Workflow, WorkflowInvalid
from graph.comfy.boundary import ComfyList
from graph.comfy.inputs import ComfyContractError, parse_entry, parse_input_types
from graph.comfy.object_info import node_info
from graph.comfy.prompt import to_api_prompt
from graph.node import NodeSchema, check_constant
from graph.packs import LOADED, PackOptions, PackReport, load_packs

PACKS = Path(__file__).resolve().parents[1] / "custom_nodes" / "packs"


@pytest.fixture
def pack(registry: graph.NodeRegistry) -> PackReport:
    """The comfy_contract pack loaded into the test's registry (the executor fixture shares it)."""
    [report] = load_packs(registry, PackOptions((PACKS,)))
    assert report.status == LOADED, report.to_dict()
    return report


@pytest.fixture
def calls(pack: PackReport) -> Any:
    return sys.modules[f"{pack.module}.nodes"].CALLS


def run(executor: graph.Executor, nodes: dict[str, Any], links: list[tuple[str, str, str, str]],
        outputs: list[str] | None = None) -> graph.RunResult:
    workflow = Workflow()
    for node_id, (class_type, inputs) in nodes.items():
        workflow.add_node(class_type, inputs, node_id=node_id)
    for link in links:
        workflow.connect(*link)
    return executor.run(workflow, outputs)


# ---- the contract through the executor ---------------------------------------------------------
def test_every_class_is_registered_with_its_declarations(pack: PackReport, registry: graph.NodeRegistry) -> None:
    assert sorted(pack.nodes) == sorted(name for name in registry.names() if name.startswith("Comfy"))
    assert {"LATENT_COMFY", "MODEL"} <= set(registry.types.describe())
    invert = node_info(registry, "ComfyInvert")
    assert invert["display_name"] == "Invert (ComfyUI style)" and invert["category"] == "comfy_contract/image"
    assert invert["description"] == "1 - image, blended by strength"
    assert invert["input"]["required"]["image"] == ["IMAGE", {"tooltip": "frames to invert"}]
    assert invert["input"]["optional"]["strength"] == ["FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.05}]
    assert invert["output_name"] == ["inverted"] and invert["output_tooltips"] == ["the inverted frames"]
    assert invert["source"] == "custom_nodes/comfy_contract"
    assert invert["python_module"] == "custom_nodes.comfy_contract.nodes"
    latent = node_info(registry, "ComfyMakeLatent")["input"]["required"]
    assert latent["fill"] == [["zeros", "ones"], {"default": "zeros"}]
    assert latent["note"] == ["STRING", {"default": "a latent", "multiline": True}]
    assert latent["width"] == ["INT", {"default": 8, "min": 8, "max": 64, "step": 8}]
    assert latent["seed"][1]["control_after_generate"] is True and latent["seed"][1]["default"] == 0
    assert node_info(registry, "ComfyLazySwitch")["input"]["required"]["on_true"] == ["IMAGE", {"lazy": True}]
    assert node_info(registry, "ComfyShout")["input"]["required"]["text"] == ["STRING", {"forceInput": True}]
    assert node_info(registry, "ComfySplit")["output_is_list"] == [True]
    assert node_info(registry, "ComfyMakeLatent")["output"] == ["LATENT_COMFY", "MODEL"]


def test_custom_types_hidden_inputs_and_ui_results(pack: PackReport, executor: graph.Executor) -> None:
    result = run(executor, {"a": ("ComfyMakeLatent", {"width": 16, "fill": "ones", "seed": 3}),
                            "b": ("ComfyLatentInfo", {})},
                 [("a", "LATENT_COMFY", "b", "latent"), ("a", "MODEL", "b", "model")])
    assert result.output("b", "info") == "[1, 4, 2, 2] sum=16 a latent"
    ui = result.ui["b"]
    assert ui["unique_id"] == ["b"] and ui["classes"] == ["ComfyLatentInfo", "ComfyMakeLatent"]
    assert ui["has_workflow"] == [True] and ui["model"] == [{"model": "tiny", "seed": 3}]


def test_lazy_inputs_evaluate_only_what_check_lazy_status_asks_for(pack: PackReport, executor: graph.Executor,
                                                                   calls: Any) -> None:
    nodes = {"t": ("EmptyImage", {"width": 2, "height": 2, "red": 200}),
             "f": ("EmptyImage", {"width": 2, "height": 2, "blue": 200}),
             "s": ("ComfyLazySwitch", {"condition": False}), "p": ("PreviewValue", {})}
    links = [("t", "image", "s", "on_true"), ("f", "image", "s", "on_false"), ("s", "IMAGE", "p", "value")]
    result = run(executor, nodes, links)
    assert "t" not in result.executed and "f" in result.executed
    assert result.output("s", 0)[0, 0, 0].tolist() == [0, 0, 200]
    assert calls["check_lazy_status"] >= 1


def test_lists_map_and_gather_like_comfyui(pack: PackReport, executor: graph.Executor, calls: Any) -> None:
    result = run(executor, {"1": ("ComfySplit", {"text": "wide open worlds"}), "2": ("ComfyShout", {}),
                            "3": ("ComfyJoin", {"separator": "+"})},
                 [("1", "STRING", "2", "text"), ("2", "STRING", "3", "texts")])
    assert result.output("1", 0) == ComfyList(["wide", "open", "worlds"])
    assert result.output("2", 0) == ComfyList(["WIDE!", "OPEN!", "WORLDS!"]) and calls["Shout"] == 3
    assert result.output("3", 0) == "WIDE!+OPEN!+WORLDS!" and result.ui["3"]["text"] == ["WIDE!+OPEN!+WORLDS!"]


def test_comfy_lists_keep_their_kind_in_the_disk_cache(registry: graph.NodeRegistry) -> None:
    value = ComfyList([np.arange(3), np.ones((2, 2))])
    decoded = registry.codecs.decode(*registry.codecs.encode(value))
    assert isinstance(decoded, ComfyList) and [a.tolist() for a in decoded] == [[0, 1, 2], [[1, 1], [1, 1]]]


def test_is_changed_is_the_fingerprint(pack: PackReport, executor: graph.Executor, calls: Any) -> None:
    state = sys.modules[f"{pack.module}.nodes"].STATE
    nodes = {"1": ("ComfyStamp", {"label": "s"}), "2": ("ComfyAlways", {}), "3": ("PreviewValue", {}),
             "4": ("PreviewValue", {})}
    links = [("1", "STRING", "3", "value"), ("2", "INT", "4", "value")]
    first = run(executor, nodes, links)
    second = run(executor, nodes, links)
    assert "1" in first.executed and "1" not in second.executed and calls["Stamp"] == 1
    assert "2" in first.executed and "2" in second.executed and calls["Always"] == 2  # NaN: always changed
    state["stamp"] = "v2"
    third = run(executor, nodes, links)
    assert "1" in third.executed and third.output("1", 0) == "s v2"


def test_validate_inputs_becomes_per_node_validation_errors(pack: PackReport, executor: graph.Executor) -> None:
    with pytest.raises(WorkflowInvalid) as invalid:
        run(executor, {"1": ("ComfyDivide", {"a": 1, "b": 0}), "2": ("PreviewValue", {}),
                       "3": ("ComfyDivide", {"b": 13}), "4": ("PreviewValue", {})},
            [("1", "FLOAT", "2", "value"), ("3", "FLOAT", "4", "value")])
    errors = {error.node_id: error for error in invalid.value.errors}
    assert set(errors) == {"1", "3"} and {e.kind for e in errors.values()} == {"custom_validation"}
    assert str(errors["1"]) == "node 1 (ComfyDivide): custom validation failed: b must not be zero"
    assert "raised RuntimeError: unlucky" in str(errors["3"])
    assert run(executor, {"1": ("ComfyDivide", {"a": 3, "b": 2}), "2": ("PreviewValue", {})},
               [("1", "FLOAT", "2", "value")]).output("1", 0) == 1.5


def test_force_input_must_be_linked(pack: PackReport, executor: graph.Executor) -> None:
    with pytest.raises(WorkflowInvalid, match=r"node 1 \(ComfyShout\): input 'text' is required"):
        run(executor, {"1": ("ComfyShout", {}), "2": ("PreviewValue", {})}, [("1", "STRING", "2", "value")])


def test_a_comfyui_api_prompt_runs_and_round_trips(pack: PackReport, executor: graph.Executor) -> None:
    prompt = {"5": {"class_type": "ComfyMakeLatent", "inputs": {"width": 8, "fill": "zeros", "note": "n", "seed": 1}},
              "9": {"class_type": "ComfyLatentInfo", "inputs": {"latent": ["5", 0], "model": ["5", 1]}}}
    workflow = Workflow.from_dict(prompt, executor.registry)
    assert executor.run(workflow).output("9", "info") == "[1, 4, 1, 1] sum=0 n"
    assert to_api_prompt(workflow.to_dict(), executor.registry) == prompt


def test_a_failing_comfy_function_is_a_node_failure(pack: PackReport, executor: graph.Executor) -> None:
    """A linked divisor is not known to VALIDATE_INPUTS (it gets None): the call itself fails."""
    with pytest.raises(graph.NodeExecutionError, match=r"node 2 \(ComfyDivide\) failed: ZeroDivisionError"):
        run(executor, {"1": ("PrimitiveInt", {"value": 0}), "2": ("ComfyDivide", {"a": 1}), "3": ("PreviewValue", {})},
            [("1", "value", "2", "b"), ("2", "FLOAT", "3", "value")])


# ---- classes that break the contract --------------------------------------------------------------
BROKEN = '''
class Good:
    RETURN_TYPES = ("INT",)
    FUNCTION = "go"
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"x": ("INT", {"default": 2})}}
    def go(self, x):
        return (x * 2,)

def broken(**attributes):
    return type("Broken", (Good,), attributes)

def raising():
    raise RuntimeError("no inputs today")

NODE_CLASS_MAPPINGS = {
    "Good": Good,
    "NoFunction": broken(FUNCTION="missing"),
    "RaisingInputs": broken(INPUT_TYPES=classmethod(lambda cls: raising())),
    "BadNames": broken(RETURN_NAMES=("a", "b")),
    "UnknownHidden": broken(INPUT_TYPES=classmethod(lambda cls: {"required": {}, "hidden": {"x": "SECRET"}})),
    "BadOption": broken(INPUT_TYPES=classmethod(lambda cls: {"required": {"x": ("INT", {"min": "low"})}})),
    "EmptyChoices": broken(INPUT_TYPES=classmethod(lambda cls: {"required": {"x": ([],)}})),
    "BadDefault": broken(INPUT_TYPES=classmethod(lambda cls: {"required": {"x": ("INT", {"default": 9, "max": 3})}})),
    "NotAClass": 42,
}
'''


def test_broken_classes_fail_alone(tmp_path: Path, registry: graph.NodeRegistry, executor: graph.Executor) -> None:
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "broken_comfy.py").write_text(BROKEN)
    [report] = load_packs(registry, PackOptions((tmp_path / "packs",)))
    # ComfyUI loads these two: an unknown hidden kind gets None, an empty list (no models yet) refuses every value
    assert report.status == LOADED and report.nodes == ["Good", "UnknownHidden", "EmptyChoices"]
    errors = {entry["node"]: entry["error"] for entry in report.node_errors}
    assert errors == {
        "NoFunction": "FUNCTION = 'missing' must name a method of Broken",
        "RaisingInputs": "INPUT_TYPES() failed: RuntimeError: no inputs today",
        "BadNames": "RETURN_NAMES has 2 item(s); RETURN_TYPES has 1",
        "BadOption": "input 'x': option 'min' must be a number, not 'low'",
        "BadDefault": "node 'BadDefault': default of input 'x' = 9 must be <= 3",
        "NotAClass": "NODE_CLASS_MAPPINGS['NotAClass'] must be a class, not 42",
    }
    assert run(executor, {"1": ("Good", {}), "2": ("PreviewValue", {})},
               [("1", "INT", "2", "value")]).output("1", 0) == 4


# ---- INPUT_TYPES under Hypothesis -----------------------------------------------------------------
numbers = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True))
options = st.dictionaries(
    st.sampled_from(["default", "min", "max", "step", "multiline", "lazy", "tooltip", "forceInput", "display",
                     "control_after_generate", "round", "options"]),
    st.one_of(numbers, st.booleans(), st.text(max_size=5), st.none(), st.lists(st.text(max_size=3), max_size=3)),
    max_size=6)
heads = st.one_of(st.sampled_from(["INT", "FLOAT", "STRING", "BOOLEAN", "COMBO", "IMAGE", "*", "MY_TYPE", ""]),
                  st.lists(st.one_of(st.text(max_size=4), st.integers()), max_size=4), st.integers(), st.none())
entries = st.one_of(st.tuples(heads), st.tuples(heads, options), st.tuples(heads, st.integers()), st.text(max_size=3),
                    st.just(()))


@given(entry=entries, optional=st.booleans())
@example(entry=("COMBO", {"options": 3}), optional=False)  # once a TypeError
def test_any_entry_parses_or_is_refused_with_a_contract_error(entry: Any, optional: bool) -> None:
    try:
        spec = parse_entry("x", entry, optional)
    except ComfyContractError as error:
        assert str(error).startswith("input 'x'")
        return
    try:
        NodeSchema("N", inputs=(spec,)).check()
    except graph.RegistryError:
        return  # e.g. min > max, or a default outside the range: the schema names it
    for bound in (spec.min, spec.max, spec.step):
        assert bound is None or math.isfinite(bound)
    if spec.has_default and spec.type in ("INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"):
        assert check_constant(spec, spec.default) is None


@given(low=st.integers(-1000, 1000), span=st.integers(0, 1000), value=st.integers(-3000, 3000),
       default=st.one_of(st.none(), st.integers(-1000, 2000)))
def test_int_ranges_are_validated_like_comfyui(low: int, span: int, value: int, default: int | None) -> None:
    declared: dict[str, Any] = {"min": low, "max": low + span}
    if default is not None:
        declared["default"] = default
    spec = parse_entry("n", ("INT", declared))
    in_range = low <= value <= low + span
    assert (check_constant(spec, value) is None) == in_range
    if default is None:
        assert low <= spec.default <= low + span  # the editor's default, clamped into range


@given(groups=st.dictionaries(st.sampled_from(["required", "optional", "hidden", "other"]),
                              st.dictionaries(st.text(min_size=1, max_size=4), st.tuples(st.just("INT")), max_size=3),
                              max_size=4))
def test_input_groups(groups: dict[str, Any]) -> None:
    try:
        parsed = parse_input_types(groups)
    except ComfyContractError:
        assert "other" in groups
        return
    # one input per name, the first group naming it wins; hidden entries written as inputs are optional inputs
    required = list(groups.get("required", {}))
    later = [name for group in ("optional", "hidden") for name in groups.get(group, {}) if name not in required]
    names = required + list(dict.fromkeys(later))
    assert [spec.name for spec in parsed.inputs] == names
    assert [spec.optional for spec in parsed.inputs] == [False] * len(required) + [True] * (len(names) - len(required))
    assert parsed.hidden == {}
