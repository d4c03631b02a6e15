"""Schemathesis against the served /openapi.json: no generated request may get a 5xx."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "WORLDGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    server = subprocess.Popen([sys.executable, str(ROOT / "server.py"), "--root", str(tmp_path), "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/prompt", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        done = subprocess.run([str(SCHEMATHESIS), "run", f"http://127.0.0.1:{port}/openapi.json",
                               "--checks", "not_a_server_error", "--max-examples", "30", "--seed", "1"],
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stdout[-4000:]
    finally:
        server.kill()
        server.wait()
