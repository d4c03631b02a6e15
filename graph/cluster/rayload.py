"""Importing Ray, which is optional: only a cluster needs it, and its absence is an error that says what to do."""

from __future__ import annotations

from typing import Any


class ClusterUnavailable(RuntimeError):
    """Ray is not installed, or the cluster asked for cannot be reached."""


def ray_module() -> Any:
    try:
        import ray
    except ImportError:
        raise ClusterUnavailable("a cluster needs Ray: pip install ray==2.60.0 (or `make setup`, which installs "
                                 "the version pyproject.toml pins)") from None
    return ray


def first_line(error: BaseException) -> str:
    """What a Ray error says first (its messages run to many lines), or its type when it says nothing."""
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__
