"""Codecs: values <-> (named arrays, JSON tree), built-in and registered by packs."""

from __future__ import annotations

import enum
import json
from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graph import (ANY, ContentStore, DiskTier, Executor, MemoryTier, Node, NodeRegistry, NodeResult, NodeSchema,
                   Output, Paths, Socket, Workflow)
from graph.codecs import CodecRegistry, NotEncodable


def round_trip(codecs: CodecRegistry, value: Any) -> Any:
    arrays, tree = codecs.encode(value)
    tree = json.loads(json.dumps(tree))  # the tree must survive JSON, as it does on disk
    return codecs.decode(arrays, tree)


@dataclass(frozen=True)
class Camera:
    name: str
    position: np.ndarray
    fov: float

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Camera) and self.name == other.name and self.fov == other.fov
                and np.array_equal(self.position, other.position))


def register_camera(codecs: CodecRegistry) -> None:
    codecs.register(
        Camera, "test.Camera",
        encode=lambda camera: {"name": camera.name, "position": camera.position, "fov": camera.fov},
        decode=lambda data: Camera(data["name"], data["position"], data["fov"]),
    )


class Unknown:
    def __init__(self, payload: np.ndarray) -> None:
        self.payload = payload


# ---- built-in values ---------------------------------------------------------------------------
@pytest.mark.parametrize("value", [None, True, False, 0, -7, 2**80, 1.5, float("inf"), "", "ünï ☃", [], (), {}])
def test_plain_values_round_trip_without_arrays(value: Any) -> None:
    codecs = CodecRegistry()
    arrays, tree = codecs.encode(value)
    assert arrays == {}
    back = codecs.decode(arrays, json.loads(json.dumps(tree)))
    assert back == value and type(back) is type(value)


def test_bool_stays_bool_and_int_stays_int() -> None:
    codecs = CodecRegistry()
    assert round_trip(codecs, [True, 1, 1.0]) == [True, 1, 1.0]
    assert [type(v) for v in round_trip(codecs, [True, 1, 1.0])] == [bool, int, float]


def test_containers_keep_their_kind() -> None:
    codecs = CodecRegistry()
    value = {"t": (1, [2, (3,)]), "l": [(), {}], "d": {"x": {"y": None}}}
    back = round_trip(codecs, value)
    assert back == value
    assert type(back["t"]) is tuple and type(back["t"][1]) is list and type(back["t"][1][1]) is tuple


def test_arrays_are_named_and_referenced() -> None:
    codecs = CodecRegistry()
    value = (np.arange(3), {"b": np.ones((2, 2), np.float32)}, b"\x01\x02")
    arrays, tree = codecs.encode(value)
    assert len(arrays) == 3
    assert all(isinstance(a, np.ndarray) and a.flags.c_contiguous for a in arrays.values())
    back = codecs.decode(arrays, tree)
    np.testing.assert_array_equal(back[0], np.arange(3))
    assert back[1]["b"].dtype == np.float32
    assert back[2] == b"\x01\x02" and type(back[2]) is bytes


def test_bytearray_comes_back_as_bytes() -> None:
    assert round_trip(CodecRegistry(), bytearray(b"abc")) == b"abc"


def test_non_contiguous_arrays_are_encoded_contiguously() -> None:
    codecs = CodecRegistry()
    value = np.arange(20, dtype=np.int32).reshape(4, 5).T[::2]
    back = round_trip(codecs, value)
    np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize("value", [np.float32(2.5), np.int64(-4), np.bool_(False), np.array(3.0)],
                         ids=["float32", "int64", "bool_", "0d-array"])
def test_numpy_scalars_and_0d_arrays_round_trip(value: Any) -> None:
    back = round_trip(CodecRegistry(), value)
    assert type(back) is type(value)
    assert np.shape(back) == ()
    assert back.dtype == value.dtype and back == value


def test_torch_tensor_round_trip() -> None:
    import torch

    codecs = CodecRegistry()
    tensor = torch.arange(6, dtype=torch.int32).reshape(2, 3)
    back = round_trip(codecs, {"t": tensor})["t"]
    assert isinstance(back, torch.Tensor)
    assert back.dtype == torch.int32 and torch.equal(back, tensor)


def test_torch_bfloat16_is_not_encodable() -> None:
    import torch

    with pytest.raises(NotEncodable, match="bfloat16"):
        CodecRegistry().encode(torch.zeros(1, dtype=torch.bfloat16))


class Colour(enum.IntEnum):
    RED = 1


@pytest.mark.parametrize("value", [
    Unknown(np.zeros(1)),
    {1: "non-string key"},
    np.array([object(), 1], dtype=object),
    namedtuple("Point", "x y")(1, 2),
    Colour.RED,
    {"nested": [Unknown(np.zeros(1))]},
    {1, 2},
], ids=["class", "int-key", "object-array", "namedtuple", "intenum", "nested", "set"])
def test_unknown_values_are_not_encodable(value: Any) -> None:
    with pytest.raises(NotEncodable):
        CodecRegistry().encode(value)


# ---- registered codecs -------------------------------------------------------------------------
def test_custom_codec_round_trip_in_memory() -> None:
    codecs = CodecRegistry()
    register_camera(codecs)
    camera = Camera("main", np.array([1.0, 2.0, 3.0]), 90.0)
    arrays, tree = codecs.encode({"cams": [camera, camera]})
    assert len(arrays) == 2
    back = codecs.decode(arrays, json.loads(json.dumps(tree)))
    assert back == {"cams": [camera, camera]}
    assert isinstance(back["cams"][0], Camera)


def test_custom_codec_round_trip_on_disk(tmp_path: Path) -> None:
    codecs = CodecRegistry()
    register_camera(codecs)
    camera = Camera("main", np.array([1.0, 2.0, 3.0], np.float32), 60.0)
    writer = DiskTier(tmp_path, codecs)
    assert writer.put("cam", (camera, "extra")) is True

    reader_codecs = CodecRegistry()
    register_camera(reader_codecs)
    back = DiskTier(tmp_path, reader_codecs).get("cam")
    assert back == (camera, "extra")
    assert back[0].position.dtype == np.float32


def test_custom_codec_name_must_be_unique() -> None:
    codecs = CodecRegistry()
    register_camera(codecs)
    with pytest.raises(ValueError, match="already registered"):
        register_camera(codecs)


def test_decoding_an_unregistered_codec_fails() -> None:
    codecs = CodecRegistry()
    register_camera(codecs)
    arrays, tree = codecs.encode(Camera("c", np.zeros(3), 1.0))
    with pytest.raises(NotEncodable, match=r"test\.Camera"):
        CodecRegistry().decode(arrays, tree)


def test_disk_file_of_an_unregistered_codec_is_a_miss_and_deleted(tmp_path: Path) -> None:
    codecs = CodecRegistry()
    register_camera(codecs)
    DiskTier(tmp_path, codecs).put("cam", Camera("c", np.zeros(3), 1.0))
    reader = DiskTier(tmp_path, CodecRegistry())
    assert reader.get("cam") is None
    assert not reader.path_for("cam").exists()


def test_codec_subclasses_are_not_matched() -> None:
    codecs = CodecRegistry()
    register_camera(codecs)

    @dataclass(frozen=True, eq=False)
    class WideCamera(Camera):
        pass

    with pytest.raises(NotEncodable, match="WideCamera"):
        codecs.encode(WideCamera("w", np.zeros(3), 120.0))


# ---- not encodable: memory only -----------------------------------------------------------------
def test_not_encodable_value_stays_in_memory_only(tmp_path: Path) -> None:
    disk = DiskTier(tmp_path, CodecRegistry())
    store = ContentStore(MemoryTier(1 << 20), disk)
    value = {"outputs": (Unknown(np.zeros(4)),), "ui": None}

    assert disk.put("k", value) is False
    store.put("k", value)
    assert store.get("k") is value
    assert not disk.contains("k")
    assert not any(tmp_path.rglob("*.safetensors"))
    assert ContentStore(MemoryTier(1 << 20), disk).get("k") is None


class MakeUnknown(Node):
    schema = NodeSchema(name="MakeUnknown", outputs=(Output("value", ANY),))
    runs = 0

    def run(self) -> tuple[Unknown]:
        MakeUnknown.runs += 1
        return (Unknown(np.arange(3)),)


class Look(Node):
    """An output node that always runs."""

    schema = NodeSchema(name="Look", inputs=(Socket("value", ANY),), output_node=True, cacheable=False)

    def run(self, value: Any) -> NodeResult:
        return NodeResult((), {"text": [type(value).__name__]})


def test_executor_keeps_unencodable_outputs_in_memory(tmp_path: Path) -> None:
    registry = NodeRegistry()
    registry.register_all([MakeUnknown, Look], source="tests")
    paths = Paths.under(tmp_path)

    def executor() -> Executor:
        return Executor(registry, ContentStore(MemoryTier(1 << 30), DiskTier(tmp_path / "cache", registry.codecs)),
                        paths)

    workflow = Workflow()
    workflow.add_node("MakeUnknown", node_id="u")
    workflow.add_node("Look", node_id="look")
    workflow.connect("u", "value", "look", "value")
    MakeUnknown.runs = 0

    first = executor()
    assert first.run(workflow).executed == ["u", "look"]
    result = first.run(workflow)
    assert result.executed == ["look"] and result.cached == ["u"]  # from memory
    assert result.ui["look"] == {"text": ["Unknown"]}
    assert MakeUnknown.runs == 1

    restarted = executor()  # nothing of "u" reached the disk
    assert restarted.run(workflow).executed == ["u", "look"]
    assert MakeUnknown.runs == 2
    assert not any((tmp_path / "cache").rglob("*.safetensors"))


def test_registry_codecs_are_per_registry() -> None:
    first, second = NodeRegistry(), NodeRegistry()
    register_camera(first.codecs)
    register_camera(second.codecs)  # no clash: each registry has its own codecs
    with pytest.raises(NotEncodable):
        NodeRegistry().codecs.encode(Camera("c", np.zeros(1), 1.0))
