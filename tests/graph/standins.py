"""Stand-ins for the built-in nodes the graph tests name (``MathInt``, ``PreviewValue``, ``SaveImage``...).

Same names and schemas as in ``nodes/``, behaviour kept to what the graph tests look at, so the graph
layer is tested without importing ``nodes`` (and with it world/, numba and torch). Images are plain
uint8 arrays; saved "images" are their raw bytes.
"""

from __future__ import annotations

import hashlib
import operator
from typing import Any

import numpy as np
from PIL import Image

from graph import (ANY, BOOLEAN, FLOAT, IMAGE, INT, STRING, Bool, Choice, Float, Input, Int, Node, NodeRegistry,
                   NodeResult, NodeSchema, Output, OutputFiles, Paths, Seed, Socket, String)

_INT_OPS = ("add", "subtract", "multiply", "min", "max", "power", "floor_divide", "modulo")
_FLOAT_OPS = ("add", "subtract", "multiply", "min", "max", "power", "divide", "modulo")
_COMPARISONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
                ">=": operator.ge}
_ARITHMETIC = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul, "min": min, "max": max,
               "power": operator.pow, "floor_divide": operator.floordiv, "divide": operator.truediv,
               "modulo": operator.mod}


def _primitive(name: str, display: str, spec: Input, type_name: str) -> type[Node]:
    schema = NodeSchema(name=name, display_name=display, category="primitives", inputs=(spec,),
                        outputs=(Output(spec.name, type_name),))
    return type(name, (Node,), {"schema": schema, "run": lambda self, **values: (values[spec.name],)})


PrimitiveInt = _primitive("PrimitiveInt", "Integer", Int("value", 0, min=-(2**63), max=2**63 - 1), INT)
PrimitiveString = _primitive("PrimitiveString", "Text", String("value", "", multiline=True), STRING)
PrimitiveBoolean = _primitive("PrimitiveBoolean", "Boolean", Bool("value", False), BOOLEAN)
SeedNode = _primitive("Seed", "Seed", Seed("seed", 0, tooltip="the same seed gives the same result"), INT)


class MathInt(Node):
    schema = NodeSchema(name="MathInt", display_name="Math (integer)", category="math",
                        inputs=(Int("a", 0), Int("b", 1), Choice("op", _INT_OPS, "add")),
                        outputs=(Output("result", INT),))

    def run(self, a: int, b: int, op: str) -> tuple[int]:
        if op in ("floor_divide", "modulo") and b == 0:
            raise ZeroDivisionError(f"input 'b' = 0: cannot {op.replace('_', ' ')} by zero")
        return (int(_ARITHMETIC[op](a, b)),)


class MathFloat(Node):
    schema = NodeSchema(name="MathFloat", display_name="Math (float)", category="math",
                        inputs=(Float("a", 0.0, step=0.01), Float("b", 1.0, step=0.01),
                                Choice("op", _FLOAT_OPS, "add")),
                        outputs=(Output("result", FLOAT),))

    def run(self, a: float, b: float, op: str) -> tuple[float]:
        return (float(_ARITHMETIC[op](a, b)),)


class Compare(Node):
    schema = NodeSchema(name="Compare", category="math",
                        inputs=(Float("a", 0.0), Float("b", 0.0), Choice("op", list(_COMPARISONS), "==")),
                        outputs=(Output("result", BOOLEAN),))

    def run(self, a: float, b: float, op: str) -> tuple[bool]:
        return (bool(_COMPARISONS[op](a, b)),)


class Switch(Node):
    schema = NodeSchema(name="Switch", category="logic",
                        inputs=(Input("condition", BOOLEAN, True), Socket("on_true", ANY, lazy=True),
                                Socket("on_false", ANY, lazy=True)),
                        outputs=(Output("value", ANY),))

    def needed_lazy(self, condition: bool, on_true: Any, on_false: Any) -> list[str]:
        return ["on_true" if condition else "on_false"]

    def run(self, condition: bool, on_true: Any, on_false: Any) -> tuple[Any]:
        return (on_true if condition else on_false,)


class PreviewValue(Node):
    schema = NodeSchema(name="PreviewValue", category="logic", inputs=(Socket("value", ANY),), output_node=True)

    def run(self, value: Any) -> NodeResult:
        shape = getattr(value, "shape", None)
        text = repr(value) if shape is None else f"{type(value).__name__} shape={list(shape)} dtype={value.dtype}"
        return NodeResult((), {"text": [text]})


class EmptyImage(Node):
    schema = NodeSchema(
        name="EmptyImage", category="image",
        inputs=(Int("width", 512, min=1, max=8192, step=8), Int("height", 512, min=1, max=8192, step=8),
                Int("batch", 1, min=1, max=4096), Int("red", 0, min=0, max=255, display="slider"),
                Int("green", 0, min=0, max=255, display="slider"), Int("blue", 0, min=0, max=255, display="slider")),
        outputs=(Output("image", IMAGE),),
    )

    def run(self, width: int, height: int, batch: int, red: int, green: int, blue: int) -> tuple[np.ndarray]:
        frames = np.empty((batch, height, width, 3), np.uint8)
        frames[...] = (red, green, blue)
        return (frames,)


class LoadImage(Node):
    """Reads one image file as a 1-frame batch; its fingerprint is the file's hash."""

    schema = NodeSchema(name="LoadImage", category="image", inputs=(String("image", "", upload="image"),),
                        outputs=(Output("image", IMAGE),), context=("paths",))

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> str:
        return hashlib.sha256(paths.resolve("input", constants["image"]).read_bytes()).hexdigest()

    def run(self, image: str, paths: Paths) -> tuple[np.ndarray]:
        with Image.open(paths.resolve("input", image)) as opened:
            return (np.asarray(opened.convert("RGB"))[None],)


def _save(images: np.ndarray, kind: str, prefix: str, files: OutputFiles) -> NodeResult:
    return NodeResult((), {"images": [files.write_bytes(kind, prefix, "png", images.tobytes())]})


class SaveImage(Node):
    schema = NodeSchema(name="SaveImage", category="image",
                        inputs=(Socket("images", IMAGE), String("filename_prefix", "worldgraph"),
                                Bool("embed_workflow", True)),
                        output_node=True, context=("files",))

    def run(self, images: np.ndarray, filename_prefix: str, embed_workflow: bool, files: OutputFiles) -> NodeResult:
        return _save(images, "output", filename_prefix, files)


class PreviewImage(Node):
    schema = NodeSchema(name="PreviewImage", category="image", inputs=(Socket("images", IMAGE),),
                        output_node=True, context=("files",))

    def run(self, images: np.ndarray, files: OutputFiles) -> NodeResult:
        return _save(images, "temp", "preview", files)


STANDINS = (PrimitiveInt, PrimitiveString, PrimitiveBoolean, SeedNode, MathInt, MathFloat, Compare, Switch,
            PreviewValue, EmptyImage, LoadImage, SaveImage, PreviewImage)


def standin_registry() -> NodeRegistry:
    """A bare registry (the graph layer's own) with the stand-ins."""
    registry = NodeRegistry()
    registry.register_all(STANDINS, source="builtin")
    return registry
