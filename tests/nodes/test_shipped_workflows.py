"""The workflows shipped in workflows/ load, validate against the built-in nodes and round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import graph
from graph import Workflow
from graph.packs import PackOptions, load_packs

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "workflows").glob("*.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_workflows_load_and_validate(path, registry):
    load_packs(registry, PackOptions((ROOT / "custom_nodes",)))  # some use the shipped packs, as the CLI does
    workflow = Workflow.load(path, registry)
    assert graph.check(workflow, registry) == []
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan.targets
    assert execution_plan.warnings == []
    assert workflow.to_dict() == Workflow.from_dict(json.loads(path.read_text(encoding="utf-8")), registry).to_dict()
    assert Workflow.from_json(workflow.to_json(), registry).to_dict() == workflow.to_dict()
