"""Durability: a real server process killed with SIGKILL mid-job loses no acknowledged job, runs none twice."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from serverkit import ROOT, hello

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def slow_video(prefix: str = "slow", seconds: float = 8.0) -> dict[str, Any]:
    """World -> wander -> 480p render -> SaveVideo: a few seconds of real work with built-in nodes."""
    workflow = copy.deepcopy(json.loads((ROOT / "workflows" / "wander.json").read_text()))
    workflow["nodes"]["2"]["inputs"]["duration"] = seconds
    workflow["nodes"]["3"]["inputs"]["resolution"] = "480p"
    workflow["nodes"]["4"] = {"class": "SaveVideo", "inputs": {"filename_prefix": prefix}}
    del workflow["nodes"]["5"]
    workflow["links"] = [link for link in workflow["links"] if link["to"][0] != "5"]
    workflow.pop("layout", None)
    return workflow


class ServerProcess:
    def __init__(self, root: Path, port: int, cache: Path, log: Path) -> None:
        self.port = port
        self.log = log
        env = {**os.environ, "WORLDGRAPH_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
        env.pop("WORLDGRAPH_TOKEN", None)
        with log.open("ab") as output:
            self.process = subprocess.Popen([sys.executable, "server.py", "--root", str(root), "--port", str(port)],
                                            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def call(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> tuple[int, str]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def json(self, method: str, path: str, body: Any = None) -> Any:
        status, text = self.call(method, path, body)
        assert status == 200, (method, path, status, text)
        return json.loads(text)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                if self.call("GET", "/system_stats", timeout=1.0)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def start(tmp_path):
    started: list[ServerProcess] = []
    port = free_port()

    def start_server() -> ServerProcess:
        process = ServerProcess(tmp_path / "root", port, tmp_path / "cache", tmp_path / "server.log")
        started.append(process)
        process.wait_ready()
        return process

    yield start_server
    for process in started:
        process.stop()


def history_without_duplicates(process: ServerProcess) -> dict[str, Any]:
    """GET /history, failing on a prompt id that appears twice in the JSON object."""
    status, text = process.call("GET", "/history")
    assert status == 200

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        assert len(keys) == len(set(keys)), f"duplicate keys {keys}"
        return dict(items)

    return json.loads(text, object_pairs_hook=pairs)  # type: ignore[no-any-return]


def test_sigkill_mid_job_loses_nothing_and_runs_nothing_twice(start, tmp_path):
    output = tmp_path / "root" / "output"
    first = start()
    acknowledged: dict[str, str] = {}  # prompt id -> the file prefix its job writes
    numbers: list[int] = []

    def queue(workflow: dict[str, Any], prefix: str, process: ServerProcess) -> str:
        answer = process.json("POST", "/prompt", {"prompt": workflow})
        acknowledged[answer["prompt_id"]] = prefix
        numbers.append(answer["number"])
        return str(answer["prompt_id"])

    done_before = queue(hello(seed=100, prefix="before"), "before", first)
    slow_id = queue(slow_video("slow"), "slow", first)
    for n in range(3):
        queue(hello(seed=n, prefix=f"queued{n}"), f"queued{n}", first)

    # keep queueing from another thread while the server dies: what was acknowledged must survive
    stop_posting = threading.Event()

    unanswered: list[str] = []  # a post the kill cut off: committed or not, its client never heard

    def keep_posting() -> None:
        for n in range(200):
            if stop_posting.is_set():
                return
            try:
                queue(hello(seed=1000 + n, prefix=f"race{n}"), f"race{n}", first)
            except (OSError, AssertionError):
                unanswered.append(f"race{n}")
                return
            time.sleep(0.1)

    poster = threading.Thread(target=keep_posting)
    poster.start()
    # kill while the slow job is encoding: its temporary file is there, the final one is not
    deadline = time.monotonic() + 60
    while not any(output.glob(".wg-tmp-*.mp4")):
        assert time.monotonic() < deadline, "the slow job never started writing"
        time.sleep(0.005)
    time.sleep(0.1)
    running = first.json("GET", "/queue")["queue_running"]
    assert [item[1] for item in running] == [slow_id]
    first.kill9()
    stop_posting.set()
    poster.join(10)
    assert len(acknowledged) >= 7, "some jobs were queued while the slow one ran"
    assert not list(output.glob("slow_*.mp4")), "killed before the video was complete"

    second = start()
    pending = second.json("GET", "/queue")
    in_queue = [item[1] for item in pending["queue_running"] + pending["queue_pending"]]
    assert slow_id in in_queue or slow_id in second.json("GET", "/history")
    assert done_before not in in_queue, "a finished job was queued again"
    assert not list(output.glob(".wg-tmp-*")), "stale temporary files are removed at start-up"

    deadline = time.monotonic() + 90
    while True:
        history = history_without_duplicates(second)
        if all(prompt_id in history for prompt_id in acknowledged):
            break
        assert time.monotonic() < deadline, f"lost jobs: {set(acknowledged) - set(history)}"
        time.sleep(0.2)

    # every acknowledged job, plus at most the one post the kill cut off (committed before its reply)
    extra = set(history) - set(acknowledged)
    assert len(extra) <= len(unanswered), f"jobs nobody queued: {extra}"
    for prompt_id in extra:
        names = [item["filename"] for files in history[prompt_id]["outputs"].values()
                 for item in files.get("images", [])]
        assert names and names[0].startswith(f"{unanswered[0]}_"), (names, unanswered)
        acknowledged[prompt_id] = unanswered[0]  # it ran: it must have run exactly once too
    for prompt_id, entry in history.items():
        assert entry["status"]["status_str"] == "success", (acknowledged[prompt_id], entry["status"])
    assert second.json("GET", "/queue") == {"queue_running": [], "queue_pending": []}

    # exactly once: every job's output file exists once, none twice, no torn leftovers
    for prompt_id, prefix in acknowledged.items():
        written = sorted(p.name for p in output.glob(f"{prefix}_*"))
        expected = "mp4" if prefix == "slow" else "png"
        assert written == [f"{prefix}_00001_.{expected}"], (prefix, written)
        [entry_files] = [files for files in history[prompt_id]["outputs"].values()
                         if "images" in files or "videos" in files]
        [item] = entry_files.get("images") or entry_files.get("videos")
        assert item["filename"] == f"{prefix}_00001_.{expected}"
    assert not list(output.rglob(".wg-tmp-*"))
    assert len(numbers) == len(set(numbers))

    # the restarted server numbers new jobs after the old ones and still answers 404 for strangers
    after = second.json("POST", "/prompt", {"prompt": hello(seed=5000, prefix="after")})
    assert after["number"] > max(numbers)
    assert second.call("GET", "/history/0123456789abcdef0123456789abcdef")[0] == 404
    assert second.call("GET", "/history/not-a-real-id")[0] == 404


def test_a_queued_job_survives_a_kill_before_it_runs(start, tmp_path):
    first = start()
    blocker = first.json("POST", "/prompt", {"prompt": slow_video("blocker", seconds=20.0)})["prompt_id"]
    deadline = time.monotonic() + 30
    while not first.json("GET", "/queue")["queue_running"]:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    waiting = first.json("POST", "/prompt", {"prompt": hello(seed=77, prefix="waiting")})["prompt_id"]
    first.kill9()

    second = start()
    queue = second.json("GET", "/queue")
    order = [item[1] for item in queue["queue_running"] + queue["queue_pending"]]
    assert order == [blocker, waiting], "the interrupted job goes back to the front"
    deadline = time.monotonic() + 30
    while second.json("POST", "/interrupt", {"prompt_id": blocker})["interrupted"] != blocker:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    deadline = time.monotonic() + 60
    while waiting not in (history := second.json("GET", "/history")):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert history[waiting]["status"]["status_str"] == "success"
    assert history[blocker]["status"]["status_str"] == "interrupted"
    assert (tmp_path / "root" / "output" / "waiting_00001_.png").is_file()
