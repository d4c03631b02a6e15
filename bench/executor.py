"""Executor benchmark on chains of trivial nodes (not a test: prints numbers).

    python bench/executor.py --json

Targets on a 2-core machine: first run of a 500-node chain <= 0.5 s; an identical re-run executes
0 nodes; changing one constant in the middle re-runs exactly that node and its descendants in
<= 0.25 s; a 10,000-node chain validates and runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from pathlib import Path

# Scripts in this folder are named like the packages they measure: keep the folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from graph import ContentStore, Executor, MemoryTier, NodeRegistry, Paths, Workflow, load_registry  # noqa: E402


def chain(length: int) -> Workflow:
    """PrimitiveInt -> (length - 2) x MathInt(+1) -> PreviewValue."""
    workflow = Workflow()
    workflow.add_node("PrimitiveInt", {"value": 1}, node_id="0")
    for index in range(1, length - 1):
        workflow.add_node("MathInt", {"b": 1, "op": "add"}, node_id=str(index))
        workflow.connect(str(index - 1), "value" if index == 1 else "result", str(index), "a")
    last = str(length - 1)
    workflow.add_node("PreviewValue", node_id=last)
    workflow.connect(str(length - 2), "result", last, "value")
    return workflow


def fresh_executor(registry: NodeRegistry, root: str) -> Executor:
    return Executor(registry, ContentStore(MemoryTier(1 << 30)), Paths.under(root))


def timed(work: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = work(*args)
    return time.perf_counter() - started, value


def measure(repeats: int) -> dict[str, Any]:
    registry = load_registry()
    root = "/tmp/worldgraph-bench"
    firsts, identicals, changes = [], [], []
    identical_executed = change_executed = -1
    middle = "250"
    for _ in range(repeats):
        executor = fresh_executor(registry, root)
        workflow = chain(500)
        seconds, _ = timed(executor.run, workflow)
        firsts.append(seconds)
        seconds, result = timed(executor.run, workflow)
        identicals.append(seconds)
        identical_executed = len(result.executed)
        workflow.set_input(middle, "b", 2)
        seconds, result = timed(executor.run, workflow)
        changes.append(seconds)
        change_executed = len(result.executed)
    big = chain(10_000)
    try:
        seconds_10k, result = timed(fresh_executor(registry, root).run, big)
        final = result.ui["9999"]["text"][0]
        chain10000_ok = len(result.executed) == 10_000 and final == "9999"
    except RecursionError:
        chain10000_ok, seconds_10k, final = False, None, None
    return {
        "chain500_first_s": round(statistics.median(firsts), 4),
        "chain500_identical_rerun_s": round(statistics.median(identicals), 4),
        "chain500_identical_rerun_executed": identical_executed,
        "chain500_one_change_rerun_s": round(statistics.median(changes), 4),
        "chain500_one_change_rerun_executed": change_executed,
        "chain500_one_change_expected_executed": 500 - int(middle),
        "chain10000_ok": chain10000_ok,
        "chain10000_first_s": round(seconds_10k, 3) if seconds_10k is not None else None,
        "chain10000_result": final,
        "repeats": repeats,
        "python": sys.version.split()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure; medians are printed")
    args = parser.parse_args()
    report = measure(args.repeats)
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
