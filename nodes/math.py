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
#: The widest integer MathInt takes or makes. Seeds and sizes are 64-bit, so this leaves room for any honest use,
#: and no operation on integers this wide takes noticeable time (10**4000 to the power 1024 froze a run for 11 s).
MAX_INT_BITS = 4096


def _refuse(op: str, b: float) -> None:
    if op in _DIVIDING and b == 0:
        raise ZeroDivisionError(f"input 'b' = 0: cannot {op.replace('_', ' ')} by zero")
    if op == "power" and abs(b) > 1024:
        raise OverflowError(f"input 'b' = {b}: exponents are limited to ±1024")


def int_result(op: str, a: int, b: int) -> int:
    """a (op) b, refused before it is computed when an input or the result is wider than ``MAX_INT_BITS``."""
    for name, value in (("a", a), ("b", b)):
        if value.bit_length() > MAX_INT_BITS:
            raise OverflowError(f"input '{name}' is a {value.bit_length()}-bit integer, over the limit of "
                                f"{MAX_INT_BITS} bits")
    _refuse(op, b)
    if op == "power" and (least := (abs(a).bit_length() - 1) * b) >= MAX_INT_BITS:  # |a| ** b >= 2 ** least
        raise OverflowError(f"inputs 'a' and 'b': power gives an integer of more than {least} bits, over the limit "
                            f"of {MAX_INT_BITS} bits")
    result = int(_INT_OPS[op](a, b))  # at most about 2 * MAX_INT_BITS bits: quick to compute
    if result.bit_length() > MAX_INT_BITS:
        raise OverflowError(f"inputs 'a' and 'b': {op} gives a {result.bit_length()}-bit integer, over the limit "
                            f"of {MAX_INT_BITS} bits")
    return result


class MathInt(Node):
    schema = NodeSchema(
        name="MathInt", display_name="Math (integer)", category="math",
        description=f"a (op) b on integers of at most {MAX_INT_BITS} bits.",
        inputs=(Int("a", 0), Int("b", 1), Choice("op", list(_INT_OPS), "add")),
        outputs=(Output("result", INT),),
    )

    def run(self, a: int, b: int, op: str) -> tuple[int]:
        return (int_result(op, a, b),)


class MathFloat(Node):
    schema = NodeSchema(
        name="MathFloat", display_name="Math (float)", category="math",
        description="a (op) b on floating-point numbers.",
        inputs=(Float("a", 0.0, step=0.01), Float("b", 1.0, step=0.01), Choice("op", list(_FLOAT_OPS), "add")),
        outputs=(Output("result", FLOAT),),
    )

    def run(self, a: float, b: float, op: str) -> tuple[float]:
        _refuse(op, b)
        result = float(_FLOAT_OPS[op](a, b))
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
