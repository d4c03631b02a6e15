"""A process killed between an output file's rename and the cache record of its node's result leaves no
orphan: the re-run of the same workflow finds the file under the same name (``graph/outputs.py``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELLO = ROOT / "workflows" / "hello.json"

#: Runs hello.json (its SaveImage is node 7) over argv[1]; with argv[2] == "crash", the process kills
#: itself with SIGKILL when the executor records node 7's result: its PNG is renamed into place by then.
CHILD = """
import json, os, signal, sys
from pathlib import Path

from graph import ContentStore, Workflow, create_executor, plan
from graph.keys import node_keys

root = Path(sys.argv[1])
executor = create_executor(root, cache_dir=root / "cache")
workflow = Workflow.load(sys.argv[3], executor.registry)
if sys.argv[2] == "crash":
    record_key = node_keys(plan(workflow, executor.registry), executor.paths)["7"]
    put = ContentStore.put

    def put_or_die(self, key, value, tier="both"):
        if key == record_key:
            os.kill(os.getpid(), signal.SIGKILL)
        put(self, key, value, tier)

    ContentStore.put = put_or_die
result = executor.run(workflow)
print(json.dumps({"files": [str(path) for path in result.files["7"]], "executed": result.executed}))
"""


def run_child(root: Path, mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, str(root), mode, str(HELLO)], cwd=root, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_kill_between_rename_and_record_leaves_no_orphan(tmp_path: Path) -> None:
    output = tmp_path / "output"

    crashed = run_child(tmp_path, "crash")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert sorted(p.name for p in output.iterdir()) == ["hello_00001_.png"]  # renamed, never recorded
    written = (output / "hello_00001_.png").stat()

    rerun = run_child(tmp_path, "normal")
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["files"] == [str(output / "hello_00001_.png")] and "7" in summary["executed"]
    assert sorted(p.name for p in output.iterdir()) == ["hello_00001_.png"]
    assert (output / "hello_00001_.png").stat().st_mtime_ns == written.st_mtime_ns  # kept, not written again

    cached = run_child(tmp_path, "normal")
    assert json.loads(cached.stdout) == {"files": [str(output / "hello_00001_.png")], "executed": []}
