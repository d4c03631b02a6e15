"""The graph tests run without the ``nodes`` package: collecting them (every test module, conftest and
helper they import) loads neither ``nodes`` nor what it brings (world/, numba, torch)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("nodes", "world", "media.video", "numba", "torch")
PROBE = f"""
import json, sys
import pytest
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "tests/graph"])
print(json.dumps({{"code": int(code), "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def test_collecting_the_graph_tests_imports_no_nodes_numba_or_torch() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": ""})
    verdict = json.loads(done.stdout.strip().splitlines()[-1])
    assert verdict == {"code": 0, "loaded": []}, done.stdout[-2000:] + done.stderr[-2000:]
