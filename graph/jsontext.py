"""Standard JSON only: what every boundary that reads JSON from outside uses.

Python's ``json`` accepts ``NaN`` and ``Infinity`` (which ``JSON.parse`` and every other reader reject),
reads ``1e999`` as infinity, and raises a bare ``ValueError`` for an integer longer than Python's digit
limit; here each is a ``JsonRefused`` that says what is wrong, as is nesting deeper than ``max_depth``.
``dumps`` writes standard JSON only.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, NoReturn

MAX_DEPTH = 64


class JsonRefused(ValueError):
    """The text is not standard JSON we accept."""


def _no_constants(name: str) -> NoReturn:
    raise JsonRefused(f"{name} is not JSON (JSON numbers are finite; send null or a string)")


def _bounded_int(text: str) -> int:
    digits, limit = len(text.lstrip("-")), sys.get_int_max_str_digits()
    if digits > limit:
        raise JsonRefused(f"an integer of {digits} digits is too long (at most {limit})")
    return int(text)


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise JsonRefused(f"the number {text[:40]} is beyond the range of a 64-bit float")
    return number


def depth(value: Any) -> int:
    """Nesting depth of a JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse standard JSON; ``JsonRefused`` for anything else, saying why."""
    try:
        value = json.loads(text, parse_constant=_no_constants, parse_int=_bounded_int, parse_float=_finite_float)
    except JsonRefused:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as refused:
        raise JsonRefused(f"not valid JSON: {refused}") from None
    if depth(value) > max_depth:
        raise JsonRefused(f"JSON nested deeper than {max_depth} levels")
    return value


def dumps(value: Any) -> str:
    """Standard JSON text, which ``JSON.parse`` reads: NaN and the infinities (which ``json.dumps`` writes
    bare) become null, as JavaScript writes them; what JSON has no type for, its ``repr``."""
    try:
        return json.dumps(value, allow_nan=False, default=repr)
    except ValueError:  # a float out of JSON's range somewhere in it
        return json.dumps(_finite(value), allow_nan=False, default=repr)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
