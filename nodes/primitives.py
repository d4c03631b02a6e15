"""Constants as nodes: one value wired to many inputs, and a seed the editor can randomise."""

from __future__ import annotations

from graph import BOOLEAN, FLOAT, INT, STRING, Bool, Float, Int, Node, NodeSchema, Output, Seed, String


class PrimitiveInt(Node):
    schema = NodeSchema(
        name="PrimitiveInt", display_name="Integer", category="primitives",
        description="An integer constant.",
        inputs=(Int("value", 0, min=-(2**63), max=2**63 - 1),), outputs=(Output("value", INT),),
    )

    def run(self, value: int) -> tuple[int]:
        return (value,)


class PrimitiveFloat(Node):
    schema = NodeSchema(
        name="PrimitiveFloat", display_name="Float", category="primitives",
        description="A floating-point constant.",
        inputs=(Float("value", 0.0, step=0.01),), outputs=(Output("value", FLOAT),),
    )

    def run(self, value: float) -> tuple[float]:
        return (value,)


class PrimitiveString(Node):
    schema = NodeSchema(
        name="PrimitiveString", display_name="Text", category="primitives",
        description="A text constant (several lines allowed).",
        inputs=(String("value", "", multiline=True),), outputs=(Output("value", STRING),),
    )

    def run(self, value: str) -> tuple[str]:
        return (value,)


class PrimitiveBoolean(Node):
    schema = NodeSchema(
        name="PrimitiveBoolean", display_name="Boolean", category="primitives",
        description="True or false.",
        inputs=(Bool("value", False),), outputs=(Output("value", BOOLEAN),),
    )

    def run(self, value: bool) -> tuple[bool]:
        return (value,)


class SeedNode(Node):
    schema = NodeSchema(
        name="Seed", display_name="Seed", category="primitives",
        description="A random seed; the editor can randomise it after every run.",
        inputs=(Seed("seed", 0, tooltip="the same seed gives the same result"),),
        outputs=(Output("seed", INT),),
    )

    def run(self, seed: int) -> tuple[int]:
        return (seed,)


NODES = (PrimitiveInt, PrimitiveFloat, PrimitiveString, PrimitiveBoolean, SeedNode)
