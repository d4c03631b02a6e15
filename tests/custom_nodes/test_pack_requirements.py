"""What a pack lacks, listed in its report (and by ``worldgraph packs list``), and the installs a pack tries on
its own at import: refused and reported, never run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import graph
from graph.packs import FAILED, LOADED, PackOptions, load_packs, scripts
from graph.packs.requirements import missing, unsatisfied

INSTALLS_AT_IMPORT = """
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "pip", "install", "worldgraph-surely-absent"])
"""
TRIES_AND_GOES_ON = """
import subprocess, sys
try:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "worldgraph-surely-absent"], check=True)
except Exception:
    pass
NODE_CLASS_MAPPINGS = {}
"""


def _pack(folder: Path, name: str, code: str, requirements: str = "") -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text(code)
    if requirements:
        (folder / name / "requirements.txt").write_text(requirements)


def test_a_pack_running_pip_at_import_is_refused_and_reported(tmp_path: Path) -> None:
    _pack(tmp_path, "installer", INSTALLS_AT_IMPORT)
    _pack(tmp_path, "persistent", TRIES_AND_GOES_ON)
    reports = {r.name: r for r in load_packs(graph.load_registry(), PackOptions((tmp_path,)))}
    assert reports["installer"].status == FAILED
    assert "InstallRefused" in reports["installer"].error and "worldgraph packs install installer" in \
        reports["installer"].error
    assert reports["persistent"].status == LOADED
    assert any("pip install -q worldgraph-surely-absent" in w for w in reports["persistent"].warnings)
    assert subprocess.Popen.__name__ == "Popen"  # the guard is gone once packs are loaded


def test_missing_lists_unmet_requirements_and_the_module_an_import_lacked(tmp_path: Path) -> None:
    _pack(tmp_path, "needy", "import worldgraph_absent_module.sub\n",
          "numpy>=1\nworldgraph-surely-absent>=2\n# a comment\n")
    [report] = load_packs(graph.load_registry(), PackOptions((tmp_path,)))
    assert report.status == FAILED
    assert report.missing == ["worldgraph-surely-absent>=2", "worldgraph-absent-module"]
    assert report.to_dict()["missing"] == report.missing
    assert unsatisfied(["numpy>=1", "numpy<1", "not a requirement!"]) == ["numpy<1", "not a requirement!"]
    assert missing([], "No module named 'cv2'") == ["opencv-python-headless"]  # the package that gives cv2
    assert missing(["worldgraph_surely-absent"], "No module named 'worldgraph_surely_absent'") == [
        "worldgraph_surely-absent"]  # named once: the requirement the pack lists gives that module


def test_packs_list_names_what_each_pack_lacks(tmp_path: Path) -> None:
    _pack(tmp_path / "custom_nodes", "needy", "import worldgraph_surely_absent\n")
    listed = subprocess.run([sys.executable, "-m", "graph.cli", "packs", "list"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "needy" in listed.stdout and "missing: worldgraph-surely-absent" in listed.stdout


def test_editor_scripts_written_for_comfyuis_editor_are_left_out_and_counted(tmp_path: Path) -> None:
    _pack(tmp_path, "styled", "WEB_DIRECTORY = 'web'\nNODE_CLASS_MAPPINGS = {}\n")
    web = tmp_path / "styled" / "web"
    web.mkdir()
    (web / "ours.js").write_text("export default { name: 'styled.ours', setup() {} };\n")
    (web / "theirs.js").write_text('import { app } from "../../scripts/app.js";\napp.registerExtension({});\n')
    (web / "dynamic.js").write_text('const { api } = await import("/scripts/api.js");\n')
    [report] = load_packs(graph.load_registry(), PackOptions((tmp_path,)))
    assert scripts([report]) == ["/extensions/styled/ours.js"]
    assert report.warnings == ["2 editor script(s) written for ComfyUI's own editor (they import its "
                               "scripts/app.js) are not loaded; the pack's nodes work"]
