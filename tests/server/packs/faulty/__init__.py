"""Nodes that misbehave the way real ones can (a C extension's segfault, a stray ``sys.exit``, a loop that
never checks for interrupts, a pack's validation that hangs): the server must survive every one of them."""

from __future__ import annotations

import ctypes
import os
import sys
import time
from typing import Any

import numpy as np


class _Probe:
    CATEGORY = "testing/faulty"
    RETURN_TYPES = ("INT",)
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"value": ("INT", {"default": 0, "min": 0, "max": 2**40})}}


class ProbeExit(_Probe):
    def run(self, value: int) -> tuple[int]:
        os._exit(1)


class ProbeSegv(_Probe):
    def run(self, value: int) -> tuple[int]:
        ctypes.string_at(0)
        return (value,)


class ProbeSystemExit(_Probe):
    def run(self, value: int) -> tuple[int]:
        sys.exit(3)


class ProbeKeyboardInterrupt(_Probe):
    def run(self, value: int) -> tuple[int]:
        raise KeyboardInterrupt


class ProbeSleepForever(_Probe):
    """Never returns and never checks for an interrupt."""

    def run(self, value: int) -> tuple[int]:
        while True:
            time.sleep(0.05)


class ProbeAllocate(_Probe):
    """Allocates and touches ``value`` MiB, 32 MiB at a time."""

    def run(self, value: int) -> tuple[int]:
        chunks = [np.ones(32 * 2**20, np.uint8) for _ in range(value // 32)]
        time.sleep(1.0)
        return (len(chunks),)


class ProbeHugeAllocation(_Probe):
    """Asks for far more memory than any machine has: fails at once with MemoryError."""

    def run(self, value: int) -> tuple[int]:
        return (int(np.empty(2**50, np.uint8).size),)


class ProbeValidateSleeps(_Probe):
    @classmethod
    def VALIDATE_INPUTS(cls, value: int) -> bool:
        time.sleep(8.0)
        return True

    def run(self, value: int) -> tuple[int]:
        return (value,)


class ProbeValidateExits(_Probe):
    @classmethod
    def VALIDATE_INPUTS(cls, value: int) -> bool:
        os._exit(1)

    def run(self, value: int) -> tuple[int]:
        return (value,)


class _CrashingRollout:
    """A rollout whose picture segfaults from frame ``crash_at`` on (a backend's C code failing mid-play)."""

    def __init__(self, inner: Any, crash_at: int) -> None:
        self.inner, self.crash_at = inner, crash_at

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def render_state(self, state: Any, size: Any, store: Any) -> Any:
        if state.frame >= self.crash_at:
            ctypes.string_at(0)
        return self.inner.render_state(state, size, store)


class ProbeLiveSegv:
    CATEGORY = "testing/faulty"
    RETURN_TYPES = ("LATENT",)
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"latent": ("LATENT",), "crash_at": ("INT", {"default": 5, "min": 0, "max": 10**6})}}

    def run(self, latent: Any, crash_at: int) -> tuple[Any]:
        return (_CrashingRollout(latent, crash_at),)


NODE_CLASS_MAPPINGS = {cls.__name__: cls for cls in (
    ProbeExit, ProbeSegv, ProbeSystemExit, ProbeKeyboardInterrupt, ProbeSleepForever, ProbeAllocate,
    ProbeHugeAllocation, ProbeValidateSleeps, ProbeValidateExits, ProbeLiveSegv)}
