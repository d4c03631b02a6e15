"""ComfyUI's modules for packs written for ComfyUI (graph/comfy/surface): ``folder_paths`` answers from the
executor's folders — model kinds under ROOT/models, input and output as the executor uses them — and never
leaves a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

import graph
from graph import Workflow
from graph.packs import LOADED, PackOptions, load_packs

PACKS = Path(__file__).resolve().parent / "surface_packs"


def test_a_pack_importing_folder_paths_sees_the_executors_folders(tmp_path):
    (tmp_path / "models" / "world").mkdir(parents=True)
    (tmp_path / "models" / "world" / "tiny.safetensors").write_bytes(b"\0" * 8)
    (tmp_path / "output" / "shots").mkdir(parents=True)
    (tmp_path / "output" / "shots" / "frame_00004_.png").write_bytes(b"")
    executor = graph.create_executor(tmp_path, cache_dir=tmp_path / "cache")
    [report] = load_packs(executor.registry, PackOptions((PACKS,)))
    assert report.status == LOADED, report.to_dict()

    workflow = Workflow()
    workflow.add_node("ListWorldModels", {"model": "tiny.safetensors"}, node_id="1")
    workflow.add_node("SavePath", {}, node_id="2")
    for source in ("1", "2"):
        workflow.add_node("PreviewValue", {}, node_id=f"show{source}")
        workflow.connect(source, "STRING", f"show{source}", "value")
    result = executor.run(workflow)
    assert result.ui["show1"]["text"] == ["'tiny.safetensors in input'"]  # PreviewValue shows a repr
    assert result.ui["show2"]["text"] == ["'shots|frame|5|True'"]  # one past the highest frame there


def test_folder_paths_refuses_names_that_leave_their_folder(tmp_path):
    graph.create_executor(tmp_path, cache_dir=tmp_path / "cache")
    import folder_paths

    assert folder_paths.get_input_directory() == str(tmp_path / "input")
    assert folder_paths.get_full_path("world", "../../etc/passwd") is None
    with pytest.raises(FileNotFoundError, match="'world' folders"):
        folder_paths.get_full_path_or_raise("world", "missing.safetensors")
    with pytest.raises(ValueError, match="would leave"):
        folder_paths.get_annotated_filepath("../secret.png [input]")
    assert folder_paths.annotated_filepath("a.png [output]") == ("a.png", str(tmp_path / "output"))
    folder_paths.add_model_folder_path("world", str(tmp_path / "more"), is_default=True)
    assert folder_paths.get_folder_paths("world")[0] == str(tmp_path / "more")
