"""Standard JSON only: what every boundary that reads JSON from outside uses.

Python's ``json`` accepts ``NaN`` and ``Infinity`` (which ``JSON.parse`` and every other reader reject)
and raises a bare ``ValueError`` for an integer longer than Python's digit limit; here both are a
``JsonRefused`` that says what is wrong, as is nesting deeper than ``max_depth``.
"""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

MAX_DEPTH = 64
MAX_INT_DIGITS = 4300  # Python's own limit for int(str); a longer number is refused, not truncated


class JsonRefused(ValueError):
    """The text is not standard JSON we accept."""


def _no_constants(name: str) -> NoReturn:
    raise JsonRefused(f"{name} is not standard JSON (use null or a finite number)")


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise JsonRefused(f"an integer of {digits} digits is too long (at most {MAX_INT_DIGITS})")
    return int(text)


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
        value = json.loads(text, parse_constant=_no_constants, parse_int=_bounded_int)
    except JsonRefused:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as refused:
        raise JsonRefused(f"not valid JSON: {refused}") from None
    if depth(value) > max_depth:
        raise JsonRefused(f"nested deeper than {max_depth} levels")
    return value


def dumps(value: Any) -> str:
    """Standard JSON text; a non-finite float becomes null rather than a bare NaN no reader accepts."""
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
