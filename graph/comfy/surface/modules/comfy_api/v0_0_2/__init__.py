"""ComfyUI's ``comfy_api.v0_0_2``: ``ComfyAPI`` (async) and ``ComfyAPISync``, reporting to the running node."""

from __future__ import annotations

from typing import Any

from graph.comfy.running import current


def _report(value: float, max_value: float) -> None:
    node = current()
    if node is None:
        raise RuntimeError("set_progress was called outside a running node")
    node.progress(value, max_value)


class _ExecutionSync:
    def set_progress(self, value: float, max_value: float, node_id: str | None = None, preview_image: Any = None,
                     ignore_size_limit: bool = False) -> None:
        """The running node's progress (``node_id`` other than the running node's is not supported)."""
        _report(value, max_value)


class _Execution:
    async def set_progress(self, value: float, max_value: float, node_id: str | None = None,
                           preview_image: Any = None, ignore_size_limit: bool = False) -> None:
        _report(value, max_value)


class ComfyAPISync:
    def __init__(self) -> None:
        self.execution = _ExecutionSync()


class ComfyAPI:
    def __init__(self) -> None:
        self.execution = _Execution()


ComfyAPIAdapter_v0_0_2 = ComfyAPI
