"""Every built-in node, run through the executor."""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from PIL import Image

import graph
from graph import Executor, NodeExecutionError, Paths, Workflow
from media.budget import FRAMES_VARIABLE, PIXELS_VARIABLE
from media.image import decode_image, read_png_text
from nodes.math import MAX_INT_BITS, int_result

#: tests/conftest.py's capped_memory
Capped = Callable[[], AbstractContextManager[None]]

# Fixtures from tests/conftest.py: registry (built-ins), paths (under tmp_path) and executor (memory + disk).


def single(executor: Executor, class_type: str, inputs: dict[str, Any] | None = None, output: str | int = 0) -> Any:
    """Run one node (previewed so it is needed) and return one of its outputs."""
    workflow = Workflow()
    workflow.add_node(class_type, inputs or {}, node_id="n")
    schema = executor.registry.get(class_type).schema
    workflow.add_node("PreviewValue", node_id="p")
    workflow.connect("n", schema.outputs[0].name, "p", "value")
    return executor.run(workflow).output("n", output)


def preview_text(executor: Executor, value_node: tuple[str, dict[str, Any]], output: str = "value") -> str:
    workflow = Workflow()
    workflow.add_node(value_node[0], value_node[1], node_id="n")
    workflow.add_node("PreviewValue", node_id="p")
    workflow.connect("n", output, "p", "value")
    return executor.run(workflow).ui["p"]["text"][0]


# ---- primitives --------------------------------------------------------------------------------
@pytest.mark.parametrize("class_type, inputs, expected", [
    ("PrimitiveInt", {"value": -12}, -12),
    ("PrimitiveInt", {}, 0),
    ("PrimitiveInt", {"value": 2**63 - 1}, 2**63 - 1),
    ("PrimitiveFloat", {"value": 2.5}, 2.5),
    ("PrimitiveString", {"value": "two\nlines"}, "two\nlines"),
    ("PrimitiveBoolean", {"value": True}, True),
    ("PrimitiveBoolean", {}, False),
    ("Seed", {"seed": 2**64 - 1}, 2**64 - 1),
])
def test_primitives(executor: Executor, class_type: str, inputs: dict[str, Any], expected: Any) -> None:
    value = single(executor, class_type, inputs)
    assert value == expected and type(value) is type(expected)


def test_primitive_float_accepts_integers_as_floats(executor: Executor) -> None:
    value = single(executor, "PrimitiveFloat", {"value": 3})
    assert value == 3.0 and type(value) is float


def test_primitive_int_accepts_integral_floats(executor: Executor) -> None:
    value = single(executor, "PrimitiveInt", {"value": 4.0})
    assert value == 4 and type(value) is int


@pytest.mark.parametrize("class_type, inputs", [
    ("PrimitiveInt", {"value": 2**63}),
    ("PrimitiveInt", {"value": 1.5}),
    ("Seed", {"seed": -1}),
    ("PrimitiveBoolean", {"value": 1}),
    ("PrimitiveString", {"value": 5}),
    ("PrimitiveFloat", {"value": "x"}),
])
def test_primitive_values_are_validated(executor: Executor, class_type: str, inputs: dict[str, Any]) -> None:
    with pytest.raises(graph.WorkflowInvalid) as caught:
        single(executor, class_type, inputs)
    [error] = caught.value.errors
    assert (error.node_id, error.input) == ("n", next(iter(inputs)))


# ---- math --------------------------------------------------------------------------------------
@pytest.mark.parametrize("op, a, b, expected", [
    ("add", 2, 3, 5), ("subtract", 2, 3, -1), ("multiply", -4, 3, -12),
    ("floor_divide", 7, 2, 3), ("floor_divide", -7, 2, -4), ("modulo", -7, 3, 2),
    ("min", 4, -1, -1), ("max", 4, -1, 4), ("power", 2, 10, 1024), ("power", 2, 0, 1),
])
def test_math_int(executor: Executor, op: str, a: int, b: int, expected: int) -> None:
    value = single(executor, "MathInt", {"a": a, "b": b, "op": op})
    assert value == expected and type(value) is int


def test_math_int_defaults_add_one(executor: Executor) -> None:
    assert single(executor, "MathInt", {"a": 41}) == 42


@pytest.mark.parametrize("op, a, b, expected", [
    ("add", 0.5, 0.25, 0.75), ("subtract", 1.0, 2.5, -1.5), ("multiply", 1.5, 4.0, 6.0),
    ("divide", 7.0, 2.0, 3.5), ("modulo", -7.0, 3.0, -1.0), ("min", 1.0, -2.0, -2.0),
    ("max", 1.0, -2.0, 1.0), ("power", 2.0, 0.5, math.sqrt(2)),
])
def test_math_float(executor: Executor, op: str, a: float, b: float, expected: float) -> None:
    value = single(executor, "MathFloat", {"a": a, "b": b, "op": op})
    assert value == pytest.approx(expected) and type(value) is float


@pytest.mark.parametrize("class_type, op, message", [
    ("MathInt", "floor_divide", "input 'b' = 0: cannot floor divide by zero"),
    ("MathInt", "modulo", "input 'b' = 0: cannot modulo by zero"),
    ("MathFloat", "divide", "input 'b' = 0: cannot divide by zero"),
    ("MathFloat", "modulo", "input 'b' = 0: cannot modulo by zero"),
])
def test_divide_by_zero_message(executor: Executor, class_type: str, op: str, message: str) -> None:
    with pytest.raises(NodeExecutionError) as caught:
        single(executor, class_type, {"a": 1, "b": 0, "op": op})
    error = caught.value
    assert (error.node_id, error.class_type) == ("n", class_type)
    assert error.exception_type == "ZeroDivisionError"
    assert error.message == message


def test_power_exponent_is_limited(executor: Executor) -> None:
    with pytest.raises(NodeExecutionError) as caught:
        single(executor, "MathInt", {"a": 2, "b": 5000, "op": "power"})
    assert caught.value.exception_type == "OverflowError"
    assert "exponents are limited" in caught.value.message


@pytest.mark.parametrize("inputs, message", [
    ({"a": 10**4000, "b": 2, "op": "power"}, "input 'a' is a 13288-bit integer, over the limit of 4096 bits"),
    ({"a": 1, "b": -(2**5000), "op": "add"}, "input 'b' is a 5001-bit integer, over the limit of 4096 bits"),
    ({"a": 2**4095, "b": 1024, "op": "power"},
     "inputs 'a' and 'b': power gives an integer of more than 4193280 bits, over the limit of 4096 bits"),
    ({"a": 2**3000, "b": 2**3000, "op": "multiply"},
     "inputs 'a' and 'b': multiply gives a 6001-bit integer, over the limit of 4096 bits"),
    ({"a": 2**4096 - 1, "b": 1, "op": "add"}, "inputs 'a' and 'b': add gives a 4097-bit integer, over the limit "
                                               "of 4096 bits"),
])
def test_math_int_refuses_integers_too_wide_before_computing(executor: Executor, inputs: dict[str, int],
                                                             message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(NodeExecutionError) as caught:
        single(executor, "MathInt", inputs)
    assert time.perf_counter() - started < 1.0
    assert (caught.value.exception_type, caught.value.message) == ("OverflowError", message)


def test_math_int_at_the_limit(executor: Executor) -> None:
    assert single(executor, "MathInt", {"a": 2**4095, "b": 2**4095 - 1, "op": "add"}) == 2**4096 - 1
    assert single(executor, "MathInt", {"a": 2, "b": 1023, "op": "power"}) == 2**1023
    assert single(executor, "MathInt", {"a": -(2**4095), "b": 2**4095 - 1, "op": "subtract"}) == 1 - 2**4096


_REFERENCE = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul, "min": min, "max": max,
              "power": operator.pow, "floor_divide": operator.floordiv, "modulo": operator.mod}
wide = st.integers(-(2**5000), 2**5000)


@given(st.one_of(
    st.tuples(st.sampled_from(sorted(set(_REFERENCE) - {"power"})), wide, wide),
    st.tuples(st.just("power"), st.integers(-(2**700), 2**700), st.integers(-8, 64)),
))
def test_math_int_refuses_exactly_the_integers_over_the_limit(case: tuple[str, int, int]) -> None:
    op, a, b = case
    assume(b != 0 or op not in ("floor_divide", "modulo"))
    assume(a != 0 or b >= 0 or op != "power")
    expected = int(_REFERENCE[op](a, b))  # small enough here to compute directly
    too_wide = max(a.bit_length(), b.bit_length(), expected.bit_length()) > MAX_INT_BITS
    try:
        result = int_result(op, a, b)
    except OverflowError:
        assert too_wide
    else:
        assert not too_wide and result == expected


def test_math_float_refuses_non_finite_results(executor: Executor) -> None:
    with pytest.raises(NodeExecutionError) as caught:
        single(executor, "MathFloat", {"a": 1e308, "b": 10.0, "op": "multiply"})
    assert caught.value.exception_type == "ArithmeticError"
    assert "not a finite number" in caught.value.message


def test_math_unknown_op_is_invalid(executor: Executor) -> None:
    with pytest.raises(graph.WorkflowInvalid, match="not one of the choices"):
        single(executor, "MathInt", {"op": "divide"})  # "divide" is a float op only


@pytest.mark.parametrize("op, a, b, expected", [
    ("==", 1.0, 1.0, True), ("==", 1.0, 2.0, False), ("!=", 1.0, 2.0, True), ("<", 1.0, 2.0, True),
    ("<", 2.0, 2.0, False), ("<=", 2.0, 2.0, True), (">", 3.0, 2.0, True), (">=", 1.0, 2.0, False),
])
def test_compare(executor: Executor, op: str, a: float, b: float, expected: bool) -> None:
    value = single(executor, "Compare", {"a": a, "b": b, "op": op})
    assert value is expected


# ---- logic -------------------------------------------------------------------------------------
@pytest.mark.parametrize("condition, expected", [(True, "'yes'"), (False, "'no'")])
def test_switch(executor: Executor, condition: bool, expected: str) -> None:
    workflow = Workflow()
    workflow.add_node("PrimitiveString", {"value": "yes"}, node_id="t")
    workflow.add_node("PrimitiveString", {"value": "no"}, node_id="f")
    workflow.add_node("Switch", {"condition": condition}, node_id="s")
    workflow.connect("t", "value", "s", "on_true")
    workflow.connect("f", "value", "s", "on_false")
    workflow.add_node("PreviewValue", node_id="p")
    workflow.connect("s", "value", "p", "value")

    result = executor.run(workflow)

    assert result.ui["p"]["text"] == [expected]
    untaken = "f" if condition else "t"
    assert untaken not in result.executed


def test_switch_with_constant_branches(executor: Executor) -> None:
    assert single(executor, "Switch", {"condition": False, "on_true": 1, "on_false": [2, 3]}) == [2, 3]


@pytest.mark.parametrize("node, expected", [
    (("PrimitiveString", {"value": "hi"}), "'hi'"),
    (("PrimitiveInt", {"value": 12}), "12"),
    (("PrimitiveFloat", {"value": 0.5}), "0.5"),
    (("PrimitiveBoolean", {"value": True}), "True"),
    (("EmptyImage", {"width": 6, "height": 4, "batch": 2}), "ndarray shape=[2, 4, 6, 3] dtype=uint8"),
])
def test_preview_value_text(executor: Executor, node: tuple[str, dict[str, Any]], expected: str) -> None:
    output = "image" if node[0] == "EmptyImage" else "value"
    assert preview_text(executor, node, output) == expected


def test_preview_value_truncates_long_text(executor: Executor) -> None:
    text = preview_text(executor, ("PrimitiveString", {"value": "x" * 5000}))
    assert len(text) == 2000 and text.endswith("...") and text.startswith("'xxx")


def test_preview_value_is_an_output_node_without_outputs(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("PreviewValue", {"value": {"typed": ["in", 1]}}, node_id="p")
    result = executor.run(workflow)
    assert result.values["p"] == ()
    assert result.ui["p"] == {"text": ["{'typed': ['in', 1]}"]}
    assert "p" not in result.files


# ---- images ------------------------------------------------------------------------------------
def test_empty_image_shape_dtype_colour(executor: Executor) -> None:
    image = single(executor, "EmptyImage", {"width": 6, "height": 4, "batch": 3, "red": 10, "green": 20,
                                            "blue": 255})
    assert image.shape == (3, 4, 6, 3) and image.dtype == np.uint8
    assert (image == np.array([10, 20, 255], np.uint8)).all()


def test_empty_image_defaults(executor: Executor) -> None:
    image = single(executor, "EmptyImage")
    assert image.shape == (1, 512, 512, 3) and not image.any()


@pytest.mark.parametrize("inputs", [{"width": 0}, {"red": 256}, {"batch": 0}, {"height": 9000}])
def test_empty_image_ranges(executor: Executor, inputs: dict[str, int]) -> None:
    with pytest.raises(graph.WorkflowInvalid):
        single(executor, "EmptyImage", inputs)


@pytest.mark.parametrize("inputs, message", [
    ({"width": 8192, "height": 8192, "batch": 100},  # 20 GB as asked
     "inputs 'width' and 'height': 67.1 megapixels (8192x8192) is over the limit of 64 megapixels per frame"),
    ({"width": 4096, "height": 4096, "batch": 100},
     "input 'batch' = 100: 100 frames of 4096x4096 are 4.69 GiB, over the limit of 2 GiB of frames per value "
     f"({FRAMES_VARIABLE}); at most 42 frames of that size fit"),
])
def test_empty_image_refuses_frames_over_the_budget_before_allocating(executor: Executor, inputs: dict[str, int],
                                                                      message: str, capped_memory: Capped) -> None:
    with capped_memory(), pytest.raises(NodeExecutionError) as caught:
        single(executor, "EmptyImage", inputs)
    assert caught.value.exception_type == "FrameBudgetError"
    assert caught.value.message.startswith(message)


def save_workflow(prefix: str = "hello", batch: int = 2, embed: bool = True, red: int = 50) -> Workflow:
    workflow = Workflow()
    workflow.add_node("EmptyImage", {"width": 8, "height": 6, "batch": batch, "red": red, "green": 100, "blue": 150},
                      node_id="img", title="Frames")
    workflow.add_node("SaveImage", {"filename_prefix": prefix, "embed_workflow": embed}, node_id="save")
    workflow.connect("img", "image", "save", "images")
    workflow.layout = {"nodes": {"img": {"pos": [1, 2]}}}
    workflow.extra = {"meta": {"name": "test"}}
    return workflow


def test_save_image_writes_numbered_pngs_with_the_workflow(executor: Executor, paths: Paths) -> None:
    workflow = save_workflow()
    result = executor.run(workflow)

    first, second = paths.output / "hello_00001_.png", paths.output / "hello_00002_.png"
    assert result.files["save"] == [first, second]
    assert result.ui["save"] == {"images": [
        {"filename": "hello_00001_.png", "subfolder": "", "type": "output"},
        {"filename": "hello_00002_.png", "subfolder": "", "type": "output"},
    ]}
    for path in (first, second):
        frames = decode_image(path)
        assert frames.shape == (1, 6, 8, 3)
        assert frames[0, 0, 0].tolist() == [50, 100, 150]
        embedded = graph.Workflow.from_json(read_png_text(path)["workflow"])
        assert embedded.to_dict() == workflow.to_dict()

    workflow.set_input("img", "red", 51)  # a new image: numbering goes on
    result = executor.run(workflow)
    assert [p.name for p in result.files["save"]] == ["hello_00003_.png", "hello_00004_.png"]
    assert sorted(p.name for p in paths.output.iterdir()) == [f"hello_0000{i}_.png" for i in range(1, 5)]


def test_save_image_without_embedded_workflow(executor: Executor, paths: Paths) -> None:
    result = executor.run(save_workflow(embed=False, batch=1))
    [path] = result.files["save"]
    assert "workflow" not in read_png_text(path)
    assert decode_image(path).shape == (1, 6, 8, 3)


def test_save_image_into_a_subfolder(executor: Executor, paths: Paths) -> None:
    result = executor.run(save_workflow(prefix="renders/shot", batch=1))
    expected = paths.output / "renders" / "shot_00001_.png"
    assert result.files["save"] == [expected]
    assert expected.is_file()
    assert result.ui["save"]["images"] == [{"filename": "shot_00001_.png", "subfolder": "renders", "type": "output"}]


@pytest.mark.parametrize("prefix", ["../escape", "renders/../../escape", "/etc/escape"])
def test_save_image_refuses_to_leave_the_output_folder(executor: Executor, tmp_path: Path, prefix: str) -> None:
    with pytest.raises(NodeExecutionError) as caught:
        executor.run(save_workflow(prefix=prefix, batch=1))
    assert caught.value.node_id == "save"
    assert caught.value.exception_type == "PathOutsideFolder"
    assert not list(tmp_path.rglob("*escape*.png"))


def test_preview_image_writes_to_the_temp_folder(executor: Executor, paths: Paths) -> None:
    workflow = Workflow()
    workflow.add_node("EmptyImage", {"width": 4, "height": 4, "batch": 2, "green": 9}, node_id="img")
    workflow.add_node("PreviewImage", node_id="prev")
    workflow.connect("img", "image", "prev", "images")

    result = executor.run(workflow)

    assert result.files["prev"] == [paths.temp / "preview_00001_.png", paths.temp / "preview_00002_.png"]
    assert all(entry["type"] == "temp" for entry in result.ui["prev"]["images"])
    assert all(path.is_file() for path in result.files["prev"])
    assert not paths.output.exists() or not any(paths.output.iterdir())
    assert read_png_text(paths.temp / "preview_00001_.png") == {}
    assert decode_image(paths.temp / "preview_00002_.png")[0, 0, 0].tolist() == [0, 9, 0]


def load(executor: Executor, name: str) -> np.ndarray:
    return single(executor, "LoadImage", {"image": name})


def test_load_image_rgb(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True)
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(paths.input / "rgb.png")
    image = load(executor, "rgb.png")
    assert image.shape == (1, 5, 7, 3) and image.dtype == np.uint8
    np.testing.assert_array_equal(image[0], pixels)


def test_load_image_rgba_is_composited_on_black(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True)
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = [200, 100, 50, 255]  # opaque
    rgba[0, 1] = [200, 100, 50, 0]  # transparent
    rgba[1, 0] = [200, 100, 50, 128]  # half
    Image.fromarray(rgba, "RGBA").save(paths.input / "rgba.png")
    image = load(executor, "rgba.png")
    assert image.shape == (1, 2, 2, 3)
    assert image[0, 0, 0].tolist() == [200, 100, 50]
    assert image[0, 0, 1].tolist() == [0, 0, 0]
    assert image[0, 1, 0].tolist() == pytest.approx([100, 50, 25], abs=1)


def test_load_image_greyscale(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True)
    Image.new("L", (3, 2), 77).save(paths.input / "grey.png")
    image = load(executor, "grey.png")
    assert image.shape == (1, 2, 3, 3) and image.dtype == np.uint8
    assert (image == 77).all()


def test_load_image_palette(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True)
    palette_image = Image.new("P", (4, 3), 1)
    palette_image.putpalette([0, 0, 0, 10, 20, 30] + [0] * (256 * 3 - 6))
    palette_image.save(paths.input / "palette.png")
    image = load(executor, "palette.png")
    assert image.shape == (1, 3, 4, 3)
    assert (image == np.array([10, 20, 30], np.uint8)).all()


def test_load_image_animation_gives_all_frames(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True)
    frames = [Image.new("RGB", (4, 4), (255 * (i % 2), 0, 0)) for i in range(3)]
    frames[0].save(paths.input / "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    image = load(executor, "anim.gif")
    assert image.shape == (3, 4, 4, 3)
    assert [int(image[i, 0, 0, 0]) > 128 for i in range(3)] == [False, True, False]


def test_load_image_from_a_subfolder(executor: Executor, paths: Paths) -> None:
    (paths.input / "sub").mkdir(parents=True)
    Image.new("RGB", (2, 2), (1, 2, 3)).save(paths.input / "sub" / "x.png")
    assert load(executor, "sub/x.png")[0, 0, 0].tolist() == [1, 2, 3]


def test_load_image_missing_file(executor: Executor, paths: Paths) -> None:
    with pytest.raises(NodeExecutionError) as caught:
        load(executor, "missing.png")
    assert caught.value.exception_type == "FileNotFoundError"
    assert "'missing.png': no such file" in caught.value.message


def test_load_image_not_an_image(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True)
    (paths.input / "bad.png").write_bytes(b"not an image")
    with pytest.raises(NodeExecutionError) as caught:
        load(executor, "bad.png")
    assert caught.value.exception_type == "ImageDecodeError"


def test_load_image_refuses_a_huge_png_from_its_header(executor: Executor, paths: Paths,
                                                       grey_png: Callable[..., Path], capped_memory: Capped) -> None:
    grey_png(paths.input / "huge.png", 12000, 12000)  # 140 KB on disk, 432 MB as RGB frames
    with capped_memory(), pytest.raises(NodeExecutionError) as caught:
        load(executor, "huge.png")
    assert caught.value.exception_type == "FrameBudgetError"
    assert caught.value.message == ("input 'image' = 'huge.png': 144.0 megapixels is over the limit of 64 megapixels "
                                    f"per frame ({PIXELS_VARIABLE})")


def test_load_image_refuses_an_animation_over_the_frames_budget(executor: Executor, paths: Paths,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    paths.input.mkdir(parents=True)
    frames = [Image.new("L", (256, 256), 255 * (i % 2)) for i in range(60)]
    frames[0].save(paths.input / "anim.gif", save_all=True, append_images=frames[1:], duration=40)
    monkeypatch.setenv(FRAMES_VARIABLE, "8")  # 60 frames of 256x256 are 11.2 MiB
    with pytest.raises(NodeExecutionError) as caught:
        load(executor, "anim.gif")
    assert caught.value.message.startswith("input 'image' = 'anim.gif': 60 frames of 256x256 are 11.2 MiB, over the "
                                           f"limit of 8 MiB of frames per value ({FRAMES_VARIABLE})")


@pytest.mark.parametrize("name", ["../outside.png", "sub/../../outside.png", "ABSOLUTE"])
def test_load_image_refuses_paths_outside_the_input_folder(executor: Executor, paths: Paths, tmp_path: Path,
                                                            name: str) -> None:
    paths.input.mkdir(parents=True)
    outside = tmp_path / "outside.png"
    Image.new("RGB", (2, 2), (9, 9, 9)).save(outside)
    name = str(outside) if name == "ABSOLUTE" else name
    with pytest.raises((graph.PathOutsideFolder, NodeExecutionError)) as caught:
        load(executor, name)
    if isinstance(caught.value, NodeExecutionError):
        assert caught.value.exception_type == "PathOutsideFolder"


def test_load_image_refuses_symlinks_out_of_the_input_folder(executor: Executor, paths: Paths,
                                                             tmp_path: Path) -> None:
    paths.input.mkdir(parents=True)
    outside = tmp_path / "secret.png"
    Image.new("RGB", (2, 2), (9, 9, 9)).save(outside)
    (paths.input / "link.png").symlink_to(outside)
    with pytest.raises(NodeExecutionError) as caught:
        load(executor, "link.png")
    assert caught.value.exception_type == "PathOutsideFolder"
