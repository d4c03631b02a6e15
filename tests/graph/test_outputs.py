"""Numbered output files: recorded before their rename, so a re-run of the same node names them the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import ContentStore, DiskTier, MemoryTier, OutputFiles, Paths
from graph.codecs import CodecRegistry

KEY = "node/" + "ab" * 32


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.under(tmp_path)


def restarted(tmp_path: Path) -> ContentStore:
    """A store as a new process opens it: an empty memory tier over the same disk folder."""
    return ContentStore(MemoryTier(1 << 20), DiskTier(tmp_path / "cache", CodecRegistry()))


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if path.is_file())


def test_files_are_numbered_in_their_subfolder(paths: Paths, tmp_path: Path) -> None:
    files = OutputFiles(paths, restarted(tmp_path), KEY)
    first = files.write_bytes("output", "renders/shot", "png", b"one")
    second = files.write_bytes("output", "renders/shot", "png", b"two")

    assert first == {"filename": "shot_00001_.png", "subfolder": "renders", "type": "output"}
    assert second["filename"] == "shot_00002_.png"
    assert (paths.output / "renders" / "shot_00002_.png").read_bytes() == b"two"
    assert names(paths.output) == ["shot_00001_.png", "shot_00002_.png"]  # no temporary file left


def test_a_rerun_keeps_the_files_it_wrote_before_its_result_was_recorded(paths: Paths, tmp_path: Path) -> None:
    before = [OutputFiles(paths, restarted(tmp_path), KEY).write_bytes("output", "x", "png", b"data")]

    def never(path: Path) -> None:
        raise AssertionError("the file is there already: it must not be written again")

    again = OutputFiles(paths, restarted(tmp_path), KEY)
    assert [again.write("output", "x", "png", never)] == before
    assert names(paths.output) == ["x_00001_.png"]


def test_the_nth_file_of_a_rerun_is_the_nth_file_of_the_run_before(paths: Paths, tmp_path: Path) -> None:
    first = OutputFiles(paths, restarted(tmp_path), KEY)
    written = [first.write_bytes("output", "frame", "png", bytes([n])) for n in range(3)]
    (paths.output / "frame_00002_.png").unlink()  # the second one is gone: it is written again, same name

    again = OutputFiles(paths, restarted(tmp_path), KEY)
    assert [again.write_bytes("output", "frame", "png", bytes([n])) for n in range(4)] == [
        *written, {"filename": "frame_00004_.png", "subfolder": "", "type": "output"}]
    assert (paths.output / "frame_00002_.png").read_bytes() == b"\x01"


def test_a_name_another_file_took_is_left_to_it(paths: Paths, tmp_path: Path) -> None:
    OutputFiles(paths, restarted(tmp_path), KEY).write_bytes("output", "x", "png", b"mine")
    taken = paths.output / "x_00001_.png"
    taken.unlink()
    taken.write_bytes(b"another run's file")  # e.g. a changed workflow wrote it after a crash

    entry = OutputFiles(paths, restarted(tmp_path), KEY).write_bytes("output", "x", "png", b"mine")

    assert entry["filename"] == "x_00002_.png"
    assert taken.read_bytes() == b"another run's file"


def test_other_keys_and_uncached_nodes_take_new_numbers(paths: Paths, tmp_path: Path) -> None:
    store = restarted(tmp_path)
    OutputFiles(paths, store, KEY).write_bytes("temp", "p", "png", b"a")
    assert OutputFiles(paths, store, "node/" + "cd" * 32).write_bytes("temp", "p", "png", b"a")["filename"] == \
        "p_00002_.png"
    for expected in ("p_00003_.png", "p_00004_.png"):  # a node that runs every time: new files each time
        assert OutputFiles(paths, store, None).write_bytes("temp", "p", "png", b"a")["filename"] == expected


def test_a_failed_write_leaves_no_file_and_no_record(paths: Paths, tmp_path: Path) -> None:
    def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("the encoder failed")

    with pytest.raises(RuntimeError):
        OutputFiles(paths, restarted(tmp_path), KEY).write("output", "x", "png", broken)
    assert names(paths.output) == []
    assert OutputFiles(paths, restarted(tmp_path), KEY).write_bytes("output", "x", "png", b"ok")["filename"] == \
        "x_00001_.png"
