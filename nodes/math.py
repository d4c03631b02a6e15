"""Basic arithmetic and comparison on numbers."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

from graph import BOOLEAN, FLOAT, INT, Choice, Float, Int, Node, NodeSchema, Output

_COMMON: dict[str, Callable[[float, float], float]] = {
    "add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
    "min": min, "max": max, "power": operator.pow,
}
_INT_OPS = {**_COMMON, "floor_divide": operator.floordiv, "modulo": operator.mod}
_FLOAT_OPS = {**_COMMON, "divide": operator.truediv, "modulo": math.fmod}
_COMPARISONS = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_DIVIDING = {"floor_divide", "modulo", "divide"}


def _apply(op: str, table: dict[str, Callable[[float, float], float]], a: float, b: float) -> float:
    if op in _DIVIDING and b == 0:
        raise ZeroDivisionError(f"input 'b' = 0: cannot {op.replace('_', ' ')} by zero")
    if op == "power" and abs(b) > 1024:
        raise OverflowError(f"input 'b' = {b}: exponents are limited to ±1024")
    return table[op](a, b)


class MathInt(Node):
    schema = NodeSchema(
        name="MathInt", display_name="Math (integer)", category="math",
        description="a (op) b on integers.",
        inputs=(Int("a", 0), Int("b", 1), Choice("op", list(_INT_OPS), "add")),
        outputs=(Output("result", INT),),
    )

    def run(self, a: int, b: int, op: str) -> tuple[int]:
        return (int(_apply(op, _INT_OPS, a, b)),)


class MathFloat(Node):
    schema = NodeSchema(
        name="MathFloat", display_name="Math (float)", category="math",
        description="a (op) b on floating-point numbers.",
        inputs=(Float("a", 0.0, step=0.01), Float("b", 1.0, step=0.01), Choice("op", list(_FLOAT_OPS), "add")),
        outputs=(Output("result", FLOAT),),
    )

    def run(self, a: float, b: float, op: str) -> tuple[float]:
        result = float(_apply(op, _FLOAT_OPS, a, b))
        if not math.isfinite(result):
            raise ArithmeticError(f"{a} {op} {b} is not a finite number")
        return (result,)


class Compare(Node):
    schema = NodeSchema(
        name="Compare", display_name="Compare", category="math",
        description="Is a (op) b? Feeds a Switch.",
        inputs=(Float("a", 0.0), Float("b", 0.0), Choice("op", list(_COMPARISONS), "==")),
        outputs=(Output("result", BOOLEAN),),
    )

    def run(self, a: float, b: float, op: str) -> tuple[bool]:
        return (bool(_COMPARISONS[op](a, b)),)


NODES = (MathInt, MathFloat, Compare)
