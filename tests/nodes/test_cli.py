"""The ``worldgraph`` command over the built-in nodes (hello.json writes a PNG with the workflow in it):
run, validate, nodes; exit codes 0, 1, 2 and 130. Here rather than in tests/graph because the CLI
loads the built-in nodes (and with them world/, numba and torch) by entry point."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graph
from graph import cli
from media.image import decode_image, read_png_text

ROOT = Path(__file__).resolve().parents[2]
HELLO = ROOT / "workflows" / "hello.json"
WORLDGRAPH = Path(sys.executable).with_name("worldgraph")


@pytest.fixture(autouse=True)
def _in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI puts its temp folder under the working directory (conftest isolates the cache)."""
    monkeypatch.chdir(tmp_path)


def main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_hello(capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str,
              workflow: Path = HELLO) -> tuple[int, str, str]:
    return main(capsys, "run", str(workflow), "--out", str(tmp_path / "out"),
                "--cache-dir", str(tmp_path / "cache"), *extra)


def write_workflow(path: Path, nodes: dict[str, Any], links: list[dict[str, Any]] | None = None) -> Path:
    path.write_text(json.dumps({"format": "worldgraph/workflow", "version": 2, "nodes": nodes,
                                "links": links or []}))
    return path


def pngs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.png")) if folder.exists() else []


def only_png(folder: Path) -> np.ndarray:
    [png] = sorted(folder.glob("*.png"))
    return decode_image(png)


# ---- run ---------------------------------------------------------------------------------------
def test_run_json_via_subprocess(tmp_path: Path) -> None:
    out = tmp_path / "out"
    completed = subprocess.run(
        [str(WORLDGRAPH), "run", str(HELLO), "--json", "--out", str(out), "--cache-dir", str(tmp_path / "cache")],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "WORLDGRAPH_CACHE_DIR": str(tmp_path / "env-cache")})

    assert completed.returncode == 0, completed.stderr
    summary = json.loads(completed.stdout)
    assert set(summary) == {"outputs", "executed", "cached", "seconds"}
    assert summary["outputs"] == {"7": [str(out / "hello_00001_.png")]}
    assert sorted(summary["executed"]) == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert summary["cached"] == []
    assert isinstance(summary["seconds"], float) and summary["seconds"] >= 0
    frames = decode_image(out / "hello_00001_.png")
    assert frames.shape == (1, 360, 640, 3)
    assert frames[0, 0, 0].tolist() == [7, 96, 160]


def test_run_text_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_hello(capsys, tmp_path)
    assert code == 0
    assert out.strip() == f"node 7: {tmp_path / 'out' / 'hello_00001_.png'}"
    assert "8 executed, 0 from cache" in err


def test_run_embeds_the_workflow_with_overrides(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run_hello(capsys, tmp_path, "--set", "Width.value=320", "--json")
    assert code == 0
    [png] = (tmp_path / "out").glob("*.png")
    embedded = graph.Workflow.from_json(read_png_text(png)["workflow"])
    assert embedded.nodes["1"].inputs["value"] == 320


@pytest.mark.parametrize("override, expected_shape, expected_pixel", [
    ("1.value=320", (1, 180, 320, 3), [7, 96, 160]),  # node id
    ("Width.value=160", (1, 90, 160, 3), [7, 96, 160]),  # title
    ("Seed.seed=300", (1, 360, 640, 3), [300 % 256, 96, 160]),  # unique class name
    ("6.green=0", (1, 360, 640, 3), [7, 0, 160]),
])
def test_run_set_overrides(capsys: pytest.CaptureFixture[str], tmp_path: Path, override: str,
                           expected_shape: tuple[int, ...], expected_pixel: list[int]) -> None:
    code, out, err = run_hello(capsys, tmp_path, "--set", override, "--json")
    assert code == 0, out + err
    frames = only_png(tmp_path / "out")
    assert frames.shape == expected_shape
    assert frames[0, 0, 0].tolist() == expected_pixel


def test_run_several_overrides(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run_hello(capsys, tmp_path, "--set", "Width.value=64", "--set", "Seed.seed=1", "--json")
    assert code == 0
    frames = only_png(tmp_path / "out")
    assert frames.shape == (1, 36, 64, 3) and frames[0, 0, 0, 0] == 1


def test_run_set_text_input_is_taken_verbatim(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_hello(capsys, tmp_path, "--set", "7.filename_prefix=123", "--json")
    assert code == 0
    assert json.loads(out)["outputs"]["7"] == [str(tmp_path / "out" / "123_00001_.png")]


@pytest.mark.parametrize("as_json", [False, True])
def test_run_set_ambiguous_class_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            as_json: bool) -> None:
    code, out, err = run_hello(capsys, tmp_path, "--set", "MathInt.b=3", *(["--json"] if as_json else []))
    assert code == 2
    message = json.loads(out)["error"]["message"] if as_json else err
    assert "'MathInt' matches the class of nodes 2, 3, 5" in message
    assert "use a node id" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("override", ["Width.value", "value=3", "=3", ".value=3", "Width.=3", "Width"])
def test_run_bad_set_syntax(capsys: pytest.CaptureFixture[str], tmp_path: Path, override: str) -> None:
    code, _, err = run_hello(capsys, tmp_path, "--set", override)
    assert code == 2
    assert "expected NODE.INPUT=VALUE" in err


@pytest.mark.parametrize("override, message", [
    ("Nope.value=1", "no node has the id, title or class 'Nope'"),
    ("Width.nope=1", "node 1 (PrimitiveInt) has no input 'nope'"),
])
def test_run_set_unknown_node_or_input(capsys: pytest.CaptureFixture[str], tmp_path: Path, override: str,
                                       message: str) -> None:
    code, out, _ = run_hello(capsys, tmp_path, "--set", override, "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["kind"] == "invalid" and message in error["message"]


def test_run_set_invalid_value_fails_validation(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_hello(capsys, tmp_path, "--set", "Width.value=abc", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["kind"] == "invalid"
    assert [(e["node_id"], e["input"]) for e in error["errors"]] == [("1", "value")]


def invalid_workflow(tmp_path: Path) -> Path:
    return write_workflow(tmp_path / "invalid.json", {
        "1": {"class": "PrimitiveInt", "inputs": {"value": "not a number"}},
        "2": {"class": "NoSuchNode", "inputs": {}},
        "3": {"class": "MathInt", "inputs": {"op": "explode"}},
        "4": {"class": "PreviewValue", "inputs": {}},
    }, [{"from": ["1", "value"], "to": ["3", "a"]}, {"from": ["3", "result"], "to": ["4", "value"]}])


def test_run_invalid_workflow_lists_errors_per_node(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_hello(capsys, tmp_path, workflow=invalid_workflow(tmp_path))
    assert code == 2
    assert out == ""
    assert "node 1 (PrimitiveInt): input 'value'" in err
    assert "node 2 (NoSuchNode)" in err and "unknown node class 'NoSuchNode'" in err
    assert "node 3 (MathInt): input 'op'" in err


def test_run_invalid_workflow_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_hello(capsys, tmp_path, "--json", workflow=invalid_workflow(tmp_path))
    assert code == 2
    error = json.loads(out)["error"]
    assert error["kind"] == "invalid"
    by_node = {e["node_id"]: e for e in error["errors"]}
    assert set(by_node) == {"1", "2", "3"}
    assert by_node["2"]["kind"] == "unknown_class"
    assert by_node["1"]["input"] == "value" and by_node["1"]["class_type"] == "PrimitiveInt"
    assert all("message" in e and "text" in e for e in error["errors"])


@pytest.mark.parametrize("content", ["{not json", '{"format": "worldgraph/workflow", "version": 99, "nodes": {}}',
                                     "[1, 2]"])
def test_run_unreadable_workflow(capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, _ = run_hello(capsys, tmp_path, "--json", workflow=path)
    assert code == 2
    assert json.loads(out)["error"]["kind"] == "invalid"


def test_run_missing_workflow_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_hello(capsys, tmp_path, workflow=tmp_path / "missing.json")
    assert code == 2
    assert "cannot read workflow" in err


def test_run_node_failure_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_hello(capsys, tmp_path, "--set", "Height.b=0")
    assert code == 1
    assert out == ""
    assert "Traceback" in err and "ZeroDivisionError" in err
    assert err.strip().splitlines()[-1] == (
        "error: node 2 (MathInt) failed: ZeroDivisionError: input 'b' = 0: cannot floor divide by zero")
    assert pngs(tmp_path / "out") == []


def test_run_node_failure_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_hello(capsys, tmp_path, "--set", "Height.b=0", "--json")
    assert code == 1
    error = json.loads(out)["error"]
    assert error["kind"] == "node_failed"
    assert (error["node_id"], error["class_type"], error["exception_type"]) == ("2", "MathInt", "ZeroDivisionError")
    assert "cannot floor divide by zero" in error["message"]
    assert "Traceback" in error["traceback"]
    executed = error["executed"]  # what ran before the failure: never node 2 or what depends on it
    assert {"1", "3"} <= set(executed) <= {"1", "3", "4", "5"}


def test_run_second_time_from_cache(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run_hello(capsys, tmp_path, "--json")[0] == 0
    code, out, _ = run_hello(capsys, tmp_path, "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["executed"] == [] and sorted(summary["cached"]) == ["7", "8"]


def test_run_no_disk_cache(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run_hello(capsys, tmp_path, "--no-disk-cache", "--json")
    assert code == 0
    assert not (tmp_path / "cache" / "objects").exists()
    code, out, _ = run_hello(capsys, tmp_path, "--no-disk-cache", "--json")
    assert len(json.loads(out)["executed"]) == 8  # a new process, no disk: everything runs again


def test_run_warns_of_an_unwritable_cache_folder_and_still_runs(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    completed = subprocess.run(
        [str(WORLDGRAPH), "run", str(HELLO), "--json", "--out", str(tmp_path / "out"),
         "--cache-dir", str(tmp_path / "cache")], cwd=tmp_path, capture_output=True, text=True, timeout=60)

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["outputs"] == {"7": [str(tmp_path / "out" / "hello_00001_.png")]}
    objects = tmp_path / "cache" / "objects"
    assert completed.stderr.splitlines() == [f"WARNING: cache folder {objects} is not writable (Not a directory: "
                                             f"{objects}): running with the memory cache only"]


def test_run_only_requested_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_hello(capsys, tmp_path, "--output", "8", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["outputs"] == {}
    assert sorted(summary["executed"]) == ["1", "2", "3", "8"]
    assert pngs(tmp_path / "out") == []


def test_run_requested_output_must_be_an_output_node(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_hello(capsys, tmp_path, "--output", "Width", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert [(e["node_id"], e["kind"]) for e in error["errors"]] == [("1", "no_output")]


# ---- interrupts --------------------------------------------------------------------------------
def test_interrupted_maps_to_130(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted_run(self: graph.Executor, *args: Any, **kwargs: Any) -> Any:
        raise graph.Interrupted("6", executed=["1", "3"])

    monkeypatch.setattr(graph.Executor, "run", interrupted_run)
    code, out, err = run_hello(capsys, tmp_path)
    assert code == 130
    assert out == ""
    assert "error: interrupted after 2 node(s)" in err

    code, out, _ = run_hello(capsys, tmp_path, "--json")
    assert code == 130
    assert json.loads(out) == {"error": {"kind": "interrupted", "node_id": "6", "executed": ["1", "3"]}}


def test_sigint_handler_requests_interrupt_and_is_restored(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = signal.getsignal(signal.SIGINT)
    seen: dict[str, Any] = {}

    def run(self: graph.Executor, workflow: graph.Workflow, outputs: Any = None, on_event: Any = None,
            interrupt: graph.Interrupt | None = None, run_id: Any = None) -> Any:
        assert interrupt is not None and not interrupt.requested
        signal.raise_signal(signal.SIGINT)  # the first Ctrl+C only asks for a stop
        seen["requested"] = interrupt.requested
        interrupt.check("6")

    monkeypatch.setattr(graph.Executor, "run", run)
    code, out, err = run_hello(capsys, tmp_path, "--json")
    assert seen == {"requested": True}
    assert code == 130
    assert json.loads(out)["error"]["node_id"] == "6"
    assert "interrupting at the next node boundary" in err
    assert signal.getsignal(signal.SIGINT) is before


SLOW_PACK = '''
import os
import time
from pathlib import Path

from graph import INT, Int, Node, NodeSchema, Output


class Slow(Node):
    schema = NodeSchema(name="Slow", inputs=(Int("value", 0),), outputs=(Output("value", INT),),
                        context=("progress",))

    def run(self, value, progress):
        Path(os.environ["SLOW_MARKER"]).write_text("started")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            progress(0)
            time.sleep(0.01)
        return (value,)


def register(registry):
    registry.register(Slow, source="slowpack")
'''


def test_sigint_during_a_real_run_exits_130(tmp_path: Path) -> None:
    # an installed node pack (found by entry point through PYTHONPATH) with a node that runs until interrupted
    pack = tmp_path / "pack"
    (pack / "slowpack-0.1.dist-info").mkdir(parents=True)
    (pack / "slowpack.py").write_text(textwrap.dedent(SLOW_PACK))
    (pack / "slowpack-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: slowpack\nVersion: 0.1\n")
    (pack / "slowpack-0.1.dist-info" / "entry_points.txt").write_text("[worldgraph.nodes]\nslow = slowpack:register\n")
    workflow = write_workflow(tmp_path / "slow.json", {
        "1": {"class": "PrimitiveInt", "inputs": {"value": 1}},
        "2": {"class": "Slow", "inputs": {}},
        "3": {"class": "PreviewValue", "inputs": {}},
    }, [{"from": ["1", "value"], "to": ["2", "value"]}, {"from": ["2", "value"], "to": ["3", "value"]}])
    marker = tmp_path / "started"
    env = {**os.environ, "PYTHONPATH": str(pack), "SLOW_MARKER": str(marker),
           "WORLDGRAPH_CACHE_DIR": str(tmp_path / "env-cache")}

    process = subprocess.Popen([str(WORLDGRAPH), "run", str(workflow), "--json", "--out", str(tmp_path / "out"),
                                "--cache-dir", str(tmp_path / "cache")],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the slow node never started"
            time.sleep(0.02)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert time.monotonic() - started < 10  # stopped at the next progress tick, not after 30 s
    assert process.returncode == 130, err
    assert json.loads(out) == {"error": {"kind": "interrupted", "node_id": "2", "executed": ["1"]}}
    assert "interrupting at the next node boundary" in err


# ---- validate ----------------------------------------------------------------------------------
def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = main(capsys, "validate", str(HELLO))
    assert code == 0
    assert out.strip() == "ok: 8 node(s) to run for output(s) 7, 8"
    assert err == ""


def test_validate_ok_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "validate", str(HELLO), "--json")
    assert code == 0
    assert json.loads(out) == {"valid": True, "outputs": ["7", "8"], "nodes": 8, "warnings": []}


def test_validate_reports_warnings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_workflow(tmp_path / "warn.json", {"1": {"class": "PreviewValue", "inputs": {"value": 1, "extra": 2}}})
    code, out, err = main(capsys, "validate", str(path))
    assert code == 0
    assert "warning: node 1 (PreviewValue): input 'extra'" in err
    code, out, _ = main(capsys, "validate", str(path), "--json")
    assert [w["input"] for w in json.loads(out)["warnings"]] == ["extra"]


def test_validate_invalid(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = main(capsys, "validate", str(invalid_workflow(tmp_path)))
    assert code == 2
    assert out == ""
    assert "workflow is invalid (3 problem(s))" in err


def test_validate_invalid_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = main(capsys, "validate", str(invalid_workflow(tmp_path)), "--json")
    assert code == 2
    report = json.loads(out)
    assert report["valid"] is False
    assert sorted(e["node_id"] for e in report["errors"]) == ["1", "2", "3"]


def test_validate_unreadable_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{")
    code, out, _ = main(capsys, "validate", str(path), "--json")
    assert code == 2
    report = json.loads(out)
    assert report["valid"] is False and "not valid JSON" in report["errors"][0]["message"]


# ---- nodes -------------------------------------------------------------------------------------
BUILTIN = {"PrimitiveInt", "PrimitiveFloat", "PrimitiveString", "PrimitiveBoolean", "Seed", "MathInt", "MathFloat",
           "Compare", "Switch", "PreviewValue", "LoadImage", "EmptyImage", "SaveImage", "PreviewImage"}


def test_nodes_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "nodes")
    assert code == 0
    assert "math:" in out and "image:" in out and "primitives:" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert set(lines) >= BUILTIN
    assert "(a, b, op) -> (result:INT)" in lines["MathInt"]
    assert "(images, filename_prefix, embed_workflow) -> ()" in lines["SaveImage"]


def test_nodes_json_object_info_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "nodes", "--json")
    assert code == 0
    info = json.loads(out)
    assert set(info) >= BUILTIN
    for name, entry in info.items():
        assert entry["name"] == name
        assert {"input", "input_order", "output", "output_is_list", "output_name", "output_tooltips",
                "display_name", "description", "category", "output_node", "python_module"} <= set(entry)
        assert set(entry["input"]) >= {"required", "optional"}
        assert len(entry["output"]) == len(entry["output_name"]) == len(entry["output_is_list"])

    math_int = info["MathInt"]
    assert math_int["output"] == ["INT"] and math_int["output_name"] == ["result"]
    assert math_int["category"] == "math" and math_int["output_node"] is False
    assert math_int["display_name"] == "Math (integer)"
    assert math_int["input_order"]["required"] == ["a", "b", "op"]
    assert math_int["input"]["required"]["a"] == ["INT", {"default": 0}]
    choices, options = math_int["input"]["required"]["op"]
    assert "floor_divide" in choices and options["default"] == "add"
    assert info["SaveImage"]["output_node"] is True and info["SaveImage"]["output"] == []
    assert info["Switch"]["input"]["required"]["on_true"][1].get("lazy") is True
    assert info["Seed"]["input"]["required"]["seed"][1]["control_after_generate"] is True
    assert info["EmptyImage"]["input"]["required"]["red"][1]["display"] == "slider"
    uploads = {name: info[name]["input"]["required"][field][1].get("upload")
               for name, field in (("LoadImage", "image"), ("LoadAudio", "audio"), ("LoadVideo", "video"))}
    assert uploads == {"LoadImage": "image", "LoadAudio": "audio", "LoadVideo": "video"}
