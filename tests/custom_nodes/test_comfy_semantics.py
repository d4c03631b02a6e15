"""ComfyUI's execution semantics for packs written for ComfyUI, with the comfy_semantics test pack: node expansion
(GraphBuilder ids, links out of the subgraph, literal results), ExecutionBlocker, DYNPROMPT and raw links,
``async def`` functions run at once, progress and interrupts through ComfyUI's modules, ComfyUI's validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import graph
from graph import Interrupt, NodeProgress, Workflow, WorkflowInvalid
from graph.comfy.blocking import ExecutionBlocker
from graph.packs import LOADED, PackOptions, load_packs
from graph.validation import plan

PACKS = Path(__file__).resolve().parent / "semantics_packs"


@pytest.fixture
def pack_executor(tmp_path: Path) -> graph.Executor:
    executor = graph.create_executor(tmp_path, cache_dir=tmp_path / "cache")
    reports = load_packs(executor.registry, PackOptions((PACKS,), allow=frozenset({"comfy_semantics"})))
    report = next(r for r in reports if r.name == "comfy_semantics")
    assert report.status == LOADED and not report.node_errors, report.to_dict()
    return executor


def prompt(nodes: dict[str, tuple[str, dict[str, Any]]], registry: graph.NodeRegistry) -> Workflow:
    """A ComfyUI API prompt (links ``[id, index]``) as a workflow."""
    return Workflow.from_dict({node_id: {"class_type": class_type, "inputs": inputs}
                               for node_id, (class_type, inputs) in nodes.items()}, registry)


def shown(result: graph.RunResult, node_id: str) -> str:
    return result.ui[node_id]["text"][0]


def test_an_expansion_links_to_the_workflow_and_returns_literals_too(pack_executor: graph.Executor) -> None:
    workflow = prompt({"1": ("Number", {"value": 2.5}), "2": ("SumChain", {"value": ["1", 0], "step": 0.5}),
                       "3": ("PreviewValue", {"value": ["2", 0]}), "4": ("PreviewValue", {"value": ["2", 1]})},
                      pack_executor.registry)
    result = pack_executor.run(workflow)
    assert shown(result, "3") == "4.0" and shown(result, "4") == "'3 steps'"
    expanded = [node_id for node_id in result.executed if node_id.startswith("2/")]
    assert len(expanded) == 4 and all(node_id.startswith("2/.0.0.") for node_id in expanded)  # GraphBuilder ids
    again = pack_executor.run(workflow)
    assert again.cached == ["3", "4"] and not again.executed


def test_undeclared_inputs_reach_a_function_taking_kwargs(pack_executor: graph.Executor) -> None:
    workflow = prompt({"1": ("Number", {"value": 2.0}), "2": ("AddAll", {"a": 1.0, "b": ["1", 0.0], "c": 4.0}),
                       "3": ("PreviewValue", {"value": ["2", 0]})}, pack_executor.registry)  # a link as ["1", 0.0]
    assert shown(pack_executor.run(workflow), "3") == "7.0"


def test_a_blocker_stops_what_it_reaches_and_only_that(pack_executor: graph.Executor) -> None:
    workflow = prompt({"1": ("Number", {"value": 2.0}), "2": ("Gate", {"value": ["1", 0], "open": False}),
                       "3": ("AddAll", {"a": ["2", 0]}), "4": ("PreviewValue", {"value": ["3", 0]}),
                       "5": ("PreviewValue", {"value": ["1", 0]})}, pack_executor.registry)
    result = pack_executor.run(workflow)
    assert result.output("3", 0) == ExecutionBlocker(None)  # AddAll never ran: its output blocks too
    assert "4" not in result.executed and "4" not in result.ui and shown(result, "5") == "2.0"


def test_dynprompt_and_raw_links_name_the_source(pack_executor: graph.Executor) -> None:
    workflow = prompt({"1": ("Number", {"value": 1.0}), "2": ("SourceClass", {"value": ["1", 0]}),
                       "3": ("PreviewValue", {"value": ["2", 0]}), "4": ("PreviewValue", {"value": ["2", 1]})},
                      pack_executor.registry)
    result = pack_executor.run(workflow)
    assert shown(result, "3") == "'Number'" and shown(result, "4") == "'1:0:2'"
    assert "1" not in result.executed  # a raw link does not run its source


def test_async_functions_of_different_nodes_run_at_once(pack_executor: graph.Executor) -> None:
    """Each Handshake waits for the other's event: run one after the other, the first would time out."""
    workflow = prompt({"1": ("Handshake", {"me": "a", "other": "b"}), "2": ("Handshake", {"me": "b", "other": "a"}),
                       "3": ("PreviewValue", {"value": ["1", 0]}), "4": ("PreviewValue", {"value": ["2", 0]})},
                      pack_executor.registry)
    result = pack_executor.run(workflow)
    assert shown(result, "3") == "'a met b'" and shown(result, "4") == "'b met a'"


def test_progress_bar_reports_and_interrupts_stop_the_node(pack_executor: graph.Executor) -> None:
    workflow = prompt({"1": ("Steps", {"steps": 3}), "2": ("PreviewValue", {"value": ["1", 0]})},
                      pack_executor.registry)
    events: list[Any] = []
    pack_executor.run(workflow, on_event=events.append)
    assert [(e.value, e.maximum) for e in events if isinstance(e, NodeProgress)] == [(1, 3), (2, 3), (3, 3)]
    interrupt = Interrupt()
    interrupt.request()
    with pytest.raises(graph.Interrupted):
        pack_executor.run(prompt({"1": ("Steps", {"steps": 5}), "2": ("PreviewValue", {"value": ["1", 0]})},
                                 pack_executor.registry), interrupt=interrupt)


def test_validation_follows_comfyui_for_its_nodes(pack_executor: graph.Executor) -> None:
    registry = pack_executor.registry
    # a float literal into an IMAGE,FLOAT input, y beyond its max (VALIDATE_INPUTS takes **kwargs: no range
    # check), "both" declared twice (required wins), a hidden input set, an unknown hidden kind (None) and an
    # input of any name through a flexible optional group
    ok = prompt({"1": ("Judged", {"x": 1.5, "y": 7.0, "extra": 10, "anything": 100}),
                 "2": ("PreviewValue", {"value": ["1", 0]})}, registry)
    assert shown(pack_executor.run(ok), "2") == "120.5"
    with pytest.raises(WorkflowInvalid, match="x must be a float, not int"):  # the async VALIDATE_INPUTS judged
        pack_executor.run(prompt({"1": ("Judged", {"x": 2, "y": 0.5}), "2": ("PreviewValue", {"value": ["1", 0]})},
                                 registry))
    with pytest.raises(WorkflowInvalid, match="is not one of the choices"):  # an empty list loads, takes nothing
        pack_executor.run(prompt({"1": ("Models", {"model": "x.safetensors"}),
                                  "2": ("PreviewValue", {"value": ["1", 0]})}, registry))


def test_an_unknown_input_of_a_node_without_kwargs_is_named(pack_executor: graph.Executor) -> None:
    workflow = prompt({"1": ("Number", {"value": 1.0, "valeu": 2.0}), "2": ("PreviewValue", {"value": ["1", 0]})},
                      pack_executor.registry)
    [warning] = plan(workflow, pack_executor.registry).warnings
    assert (warning.node_id, warning.input, warning.message) == ("1", "valeu", "is not an input of Number; ignored")


def test_a_pack_builds_on_comfyuis_core_nodes_through_import_nodes(pack_executor: graph.Executor,
                                                                     tmp_path: Path) -> None:
    workflow = prompt({"1": ("EmptyImage", {"width": 8, "height": 4, "red": 255}),
                       "2": ("Resolution", {"images": ["1", 0], "limit": 2})}, pack_executor.registry)
    [saved] = pack_executor.run(workflow).ui["2"]["images"]
    assert saved["type"] == "temp" and (tmp_path / "temp" / saved["filename"]).is_file()


def test_without_reuse_every_node_runs_every_time(tmp_path: Path) -> None:
    executor = graph.create_executor(tmp_path, cache_dir=tmp_path / "cache", reuse=False)
    workflow = Workflow()
    workflow.add_node("PrimitiveInt", {"value": 3}, node_id="1")
    workflow.add_node("PreviewValue", {}, node_id="2")
    workflow.connect("1", "value", "2", "value")
    executor.run(workflow)
    assert executor.run(workflow).executed == ["1", "2"]


def test_nodes_taking_their_unique_id_are_cached_by_it(pack_executor: graph.Executor) -> None:
    workflow = prompt({"1": ("Number", {"value": 1.0}), "2": ("SourceClass", {"value": ["1", 0]}),
                       "3": ("SourceClass", {"value": ["1", 0]}), "4": ("PreviewValue", {"value": ["2", 1]}),
                       "5": ("PreviewValue", {"value": ["3", 1]})}, pack_executor.registry)
    result = pack_executor.run(workflow)
    assert (shown(result, "4"), shown(result, "5")) == ("'1:0:2'", "'1:0:3'")


def test_missing_outputs_are_none_as_in_comfyui(pack_executor: graph.Executor) -> None:
    result = pack_executor.run(prompt({"1": ("Short", {}), "2": ("PreviewValue", {"value": ["1", 0]})},
                                      pack_executor.registry))
    assert result.output("1", 0) == "only" and result.output("1", 1) is None
