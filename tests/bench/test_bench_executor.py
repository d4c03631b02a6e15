"""bench/executor.py's measurements: the counts it reports (never its timings)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "executor.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("worldgraph_bench_executor", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_measure_reports_the_expected_counts(bench: ModuleType) -> None:
    report = bench.measure(repeats=1)

    assert {"chain500_first_s", "chain500_identical_rerun_s", "chain500_identical_rerun_executed",
            "chain500_one_change_rerun_s", "chain500_one_change_rerun_executed",
            "chain500_one_change_expected_executed", "chain10000_ok", "chain10000_first_s",
            "chain10000_result", "repeats", "python"} <= set(report)
    assert report["chain500_identical_rerun_executed"] == 0
    assert report["chain500_one_change_expected_executed"] == 250
    assert report["chain500_one_change_rerun_executed"] == report["chain500_one_change_expected_executed"]
    assert report["chain10000_ok"] is True
    assert report["chain10000_result"] == "9999"
    assert report["repeats"] == 1


def test_chain_shape(bench: ModuleType) -> None:
    workflow = bench.chain(5)
    assert [node.class_type for node in workflow.nodes.values()] == [
        "PrimitiveInt", "MathInt", "MathInt", "MathInt", "PreviewValue"]
    assert len(workflow.links) == 4
