"""Custom node packs (graph/packs/: discovery, options, extensions): discovery,
isolation of failures, duplicates, the allow-list, load times, requirements, web folders, the CLI."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from pathlib import Path

import pytest
from standins import standin_registry

import graph
from graph import cli
from graph.packs import (DISABLED, FAILED, LOADED, PackOptions, PackReport, add_arguments, discover, extension_file,
                         from_arguments, listing, load_packs, scripts)

NATIVE = '''
from graph import INT, Int, Node, NodeSchema, Output

class {name}(Node):
    schema = NodeSchema(name="{name}", category="tests", inputs=(Int("a", 1),), outputs=(Output("a", INT),))

    def run(self, a):
        return (a + {add},)

def register(registry):
    registry.register({name})
'''


def write(folder: Path, relative: str, text: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def load(registry: graph.NodeRegistry, *folders: Path, **options: object) -> dict[str, PackReport]:
    reports = load_packs(registry, PackOptions(tuple(folders), **options))  # type: ignore[arg-type]
    return {report.name: report for report in reports}


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """A folder with a good package pack, a good single-file pack and the usual ways to break."""
    folder = tmp_path / "custom_nodes"
    write(folder, "good/__init__.py", "from .nodes import register\n")
    write(folder, "good/nodes.py", NATIVE.format(name="GoodAdd", add=1))
    write(folder, "single.py", NATIVE.format(name="SingleAdd", add=2))
    write(folder, "missing_dep/__init__.py", "import not_a_module_anywhere\n")
    write(folder, "missing_dep/requirements.txt", "# a comment\nnot-a-module-anywhere>=1.0  # pinned\n-r other.txt\n\n")
    write(folder, "syntax.py", "def broken(:\n    pass\n")
    write(folder, "exits.py", "import sys\nsys.exit(3)\n")
    write(folder, "register_fails/__init__.py", NATIVE.format(name="NeverAdded", add=0) + "    raise KeyError('x')\n")
    write(folder, "bad_node/__init__.py", '''
        from graph import INT, Int, Node, NodeSchema
        from .ok import OkNode

        class BadNode(Node):
            schema = NodeSchema(name="BadNode", inputs=(Int("a"), Int("a")))

        class Nameless(Node):
            pass

        def register(registry):
            registry.register_all([BadNode, Nameless, OkNode])
        ''')
    write(folder, "bad_node/ok.py", NATIVE.format(name="OkNode", add=3))
    write(folder, "nothing/__init__.py", "VALUE = 1\n")
    write(folder, "off.disabled/__init__.py", "raise RuntimeError('must not be imported')\n")
    write(folder, "not_a_pack/readme.txt", "a folder without __init__.py\n")
    write(folder, "__pycache__/x.py", "raise RuntimeError('never')\n")
    write(folder, ".hidden.py", "raise RuntimeError('never')\n")
    return folder


def test_discovery(packs: Path, tmp_path: Path) -> None:
    found = {name: (path.name, renamed) for name, path, renamed in discover(packs)}
    assert found == {"bad_node": ("bad_node", False), "exits": ("exits.py", False), "good": ("good", False),
                     "missing_dep": ("missing_dep", False), "nothing": ("nothing", False),
                     "off": ("off.disabled", True),
                     "register_fails": ("register_fails", False), "single": ("single.py", False),
                     "syntax": ("syntax.py", False)}
    assert discover(tmp_path / "absent") == []


def test_every_failure_stays_inside_its_pack(packs: Path, registry: graph.NodeRegistry,
                                             caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="graph.packs"):
        reports = load(registry, packs)
    status = {name: report.status for name, report in reports.items()}
    assert status == {"bad_node": LOADED, "exits": FAILED, "good": LOADED, "missing_dep": FAILED, "nothing": LOADED,
                      "off": DISABLED, "register_fails": FAILED, "single": LOADED, "syntax": FAILED}
    assert reports["good"].nodes == ["GoodAdd"] and reports["single"].nodes == ["SingleAdd"]
    assert reports["good"].module == "custom_nodes.good" and reports["single"].module == "custom_nodes.single"
    assert registry.source("GoodAdd") == "custom_nodes/good"

    missing = reports["missing_dep"]
    assert missing.error == ("import failed: ModuleNotFoundError: No module named 'not_a_module_anywhere' (missing: "
                             "not-a-module-anywhere>=1.0; nothing is installed automatically: run 'worldgraph packs "
                             "install missing_dep')")
    assert missing.requirements == ["not-a-module-anywhere>=1.0"]
    assert missing.missing == ["not-a-module-anywhere>=1.0"]  # the listed requirement gives the module
    assert 'missing_dep/__init__.py", line 1' in missing.traceback and "importlib" not in missing.traceback
    assert missing.traceback.endswith("ModuleNotFoundError: No module named 'not_a_module_anywhere'")
    assert reports["syntax"].error.startswith("import failed: SyntaxError: ")
    assert "def broken(:" in reports["syntax"].traceback
    assert reports["exits"].error == "import failed: SystemExit: 3"
    assert reports["register_fails"].error == "register() failed: KeyError: 'x'"
    assert "NeverAdded" not in registry and reports["register_fails"].nodes == []
    assert "custom_nodes.syntax" not in sys.modules and "custom_nodes.missing_dep" not in sys.modules

    bad = reports["bad_node"]
    assert bad.nodes == ["OkNode"]
    assert bad.node_errors == [{"node": "BadNode", "error": "node 'BadNode': duplicate input name(s) ['a']"},
                               {"node": "Nameless", "error": "Nameless from custom_nodes/bad_node has no NodeSchema "
                                                             "'schema'"}]
    assert reports["nothing"].warnings == [
        "defines nothing: no register(registry), NODE_CLASS_MAPPINGS or WEB_DIRECTORY"]
    assert reports["off"].error == "its name ends in .disabled"

    logged = caplog.text
    assert ("custom node pack 'missing_dep' (" in logged and
            "import failed: ModuleNotFoundError: No module named 'not_a_module_anywhere'" in logged)
    assert "custom node pack 'good' (" in logged and "1 node(s)" in logged
    assert not hasattr(registry, "packs")  # the reports are load_packs' answer, kept by its caller


def test_a_loaded_pack_runs(packs: Path, registry: graph.NodeRegistry, executor: graph.Executor) -> None:
    load(registry, packs)
    workflow = graph.Workflow()
    workflow.add_node("GoodAdd", {"a": 40}, node_id="1")
    workflow.add_node("SingleAdd", {}, node_id="2")
    workflow.add_node("PreviewValue", node_id="3")
    workflow.connect("1", "a", "2", "a")
    workflow.connect("2", "a", "3", "value")
    assert executor.run(workflow).output("2", "a") == 43


def test_duplicates_first_wins_and_both_are_named(tmp_path: Path, registry: graph.NodeRegistry,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write(first, "alpha/__init__.py", NATIVE.format(name="Shared", add=1))
    write(first, "beta/__init__.py", NATIVE.format(name="Shared", add=2))
    write(second, "alpha/__init__.py", NATIVE.format(name="Other", add=3))
    write(second, "gamma.py", "from graph.node import Node\n" + NATIVE.format(name="MathInt", add=0))
    with caplog.at_level(logging.WARNING, logger="graph.packs"):
        reports = load_packs(registry, PackOptions((first, second)))
    alpha, beta, alpha_again, gamma = reports
    assert alpha.nodes == ["Shared"] and beta.nodes == [] and beta.status == LOADED
    assert beta.duplicates == [{"node": "Shared", "kept": "custom_nodes/alpha"}]
    assert gamma.duplicates == [{"node": "MathInt", "kept": "builtin"}] and registry.source("MathInt") == "builtin"
    assert alpha_again.status == DISABLED and alpha_again.error.startswith("a pack of the same name comes first: ")
    assert "Other" not in registry
    assert "custom node pack 'beta'" in caplog.text and "node 'Shared' is already registered by custom_nodes/alpha" \
        in caplog.text


def test_disable_and_allow(packs: Path, registry: graph.NodeRegistry, caplog: pytest.LogCaptureFixture) -> None:
    reports = load(graph.NodeRegistry(), packs, enabled=False)
    assert {report.status for report in reports.values()} == {DISABLED}
    assert reports["good"].error == "custom nodes are disabled (--disable-custom-nodes)"
    with caplog.at_level(logging.WARNING, logger="graph.packs"):
        reports = load(registry, packs, allow=frozenset({"good", "single", "nope"}))
    assert {name for name, report in reports.items() if report.status == LOADED} == {"good", "single"}
    assert reports["syntax"].error == "not in the allow-list (--custom-nodes-allow)"
    assert "--custom-nodes-allow names pack(s) not found: nope" in caplog.text


def test_load_time_and_slow_packs(packs: Path, registry: graph.NodeRegistry, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="graph.packs"):
        reports = load(registry, packs, allow=frozenset({"good"}), slow_seconds=0.0)
    good = reports["good"]
    assert good.seconds > 0 and good.slow
    assert f"custom node pack 'good' ({good.path}) took" in caplog.text and "(more than 0 s)" in caplog.text
    assert not load(standin_registry(), packs, allow=frozenset({"good"}))["good"].slow


def test_requirements_from_pyproject(tmp_path: Path) -> None:
    from graph.packs import requirements

    write(tmp_path, "p/pyproject.toml", '[project]\nname = "p"\ndependencies = ["numpy>=2", "einops"]\n')
    write(tmp_path, "p/requirements.txt", "einops\nopencv-python @ https://example.org/x.whl#sha256=00\n")
    assert requirements(tmp_path / "p") == ["einops", "opencv-python @ https://example.org/x.whl#sha256=00",
                                            "numpy>=2"]
    write(tmp_path, "q/pyproject.toml", "not toml [")
    assert requirements(tmp_path / "q") == [] and requirements(tmp_path / "p" / "pyproject.toml") == []


def test_a_pack_reloads_fresh_in_the_same_process(tmp_path: Path) -> None:
    write(tmp_path, "cn/fresh/__init__.py", "from .sub import VALUE\n" + NATIVE.format(name="Fresh", add=1))
    write(tmp_path, "cn/fresh/sub.py", "VALUE = 1\n")
    load(graph.NodeRegistry(), tmp_path / "cn")
    write(tmp_path, "cn/fresh/sub.py", "VALUE = 2\n")
    load(graph.NodeRegistry(), tmp_path / "cn")
    assert sys.modules["custom_nodes.fresh"].VALUE == 2


def test_module_names_stay_unique(tmp_path: Path) -> None:
    write(tmp_path, "cn/my-pack.py", "")
    write(tmp_path, "cn/my_pack.py", "")
    write(tmp_path, "cn/3d.py", "")
    reports = load(graph.NodeRegistry(), tmp_path / "cn")
    modules = [report.module for report in reports.values()]
    assert modules == ["custom_nodes._3d", "custom_nodes.my_pack", "custom_nodes.my_pack_2"]


# ---- web folders ------------------------------------------------------------------------------------
def test_web_directories(tmp_path: Path) -> None:
    folder = tmp_path / "cn"
    write(folder, "webby/__init__.py", 'WEB_DIRECTORY = "./js"\n')
    write(folder, "webby/js/main.js", "export default {}\n")
    write(folder, "webby/js/sub dir/more.mjs", "export {}\n")
    write(folder, "webby/js/style.css", "a {}\n")
    write(folder, "webby/js/.secret.js", "no\n")
    write(folder, "webby/secret.txt", "outside the web folder\n")
    (folder / "webby" / "js" / "escape.js").symlink_to(folder / "webby" / "secret.txt")
    write(folder, "escapes/__init__.py", 'WEB_DIRECTORY = "../webby"\n')
    write(folder, "absent/__init__.py", 'WEB_DIRECTORY = "web"\n')
    write(folder, "broken/__init__.py", 'WEB_DIRECTORY = "web"\nraise ValueError("no")\n')
    write(folder, "broken/web/x.js", "\n")
    reports = load(graph.NodeRegistry(), folder)
    assert scripts(reports.values()) == ["/extensions/webby/main.js", "/extensions/webby/sub%20dir/more.mjs"]
    assert reports["escapes"].web_directory is None and reports["escapes"].warnings == [
        "WEB_DIRECTORY: file name '../webby' must stay inside its folder; no editor extensions served"]
    assert reports["absent"].warnings == ["WEB_DIRECTORY 'web' is not a folder; no editor extensions served"]
    served = listing(reports.values())["packs"]
    assert [(p["name"], p["web_directory"]) for p in served] == [
        ("absent", None), ("broken", None), ("escapes", None), ("webby", "/extensions/webby")]
    assert extension_file(reports.values(), "webby", "sub dir/more.mjs").read_text() == "export {}\n"
    for name, relative in (("webby", "../secret.txt"), ("webby", "escape.js"), ("webby", "/etc/passwd")):
        with pytest.raises(graph.PathOutsideFolder):
            extension_file(reports.values(), name, relative)
    for name, relative in (("broken", "x.js"), ("webby", "nope.js"), ("nobody", "main.js"), ("webby", "sub dir")):
        with pytest.raises(FileNotFoundError):
            extension_file(reports.values(), name, relative)


# ---- options and the command line ---------------------------------------------------------------------
def test_options_from_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    monkeypatch.setenv("WORLDGRAPH_CUSTOM_NODES", os.pathsep.join([str(tmp_path / "env"), ""]))
    args = parser.parse_args(["--custom-nodes-path", str(tmp_path / "extra"), "--custom-nodes-allow", "a, b,",
                              "--slow-pack-seconds", "2.5"])
    options = from_arguments(args, tmp_path)
    assert options.paths == (tmp_path / "custom_nodes", tmp_path / "extra", tmp_path / "env")
    assert options.allow == frozenset({"a", "b"}) and options.enabled and options.slow_seconds == 2.5
    options = from_arguments(parser.parse_args(["--disable-custom-nodes"]), tmp_path)
    assert not options.enabled and options.allow is None


def test_the_cli_loads_packs(packs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(packs.parent)  # ./custom_nodes is searched by default
    monkeypatch.setattr(cli, "load_registry", standin_registry)  # the stand-ins instead of the built-ins
    monkeypatch.setattr(cli, "COMMAND_GROUP", "worldgraph.tests.no-commands")  # nor serve's or world's imports
    assert cli.main(["nodes", "--custom-nodes-allow", "good,syntax"]) == 0
    out = capsys.readouterr().out
    assert "GoodAdd" in out and "custom node pack 'syntax'" not in out  # the log goes to stderr
    assert "  good                   loaded   1 node(s) in" in out
    assert "  syntax                 failed   import failed: SyntaxError:" in out
    assert "  single                 disabled not in the allow-list" in out
    assert cli.main(["nodes", "--json", "--disable-custom-nodes"]) == 0
    assert "GoodAdd" not in json.loads(capsys.readouterr().out)
    workflow = tmp_path / "w.json"
    workflow.write_text(json.dumps({"format": "worldgraph/workflow", "version": 2,
                                    "nodes": {"1": {"class": "GoodAdd", "inputs": {"a": 1}},
                                              "2": {"class": "PreviewValue"}},
                                    "links": [{"from": ["1", "a"], "to": ["2", "value"]}]}))
    assert cli.main(["validate", str(workflow), "--custom-nodes-allow", "good"]) == 0
    assert cli.main(["validate", str(workflow), "--disable-custom-nodes"]) == 2
    assert cli.main(["run", str(workflow), "--json", "--no-disk-cache", "--custom-nodes-allow", "good"]) == 0
    capsys.readouterr()
