"""ComfyUI's ``comfy.utils``: the progress bar (reporting to the running node's progress) and image resizing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.comfy.running import current
from graph.comfy.surface.placeholders import missing_names

PROGRESS_BAR_ENABLED = True
_global_hook: Callable[..., None] | None = None


def set_progress_bar_enabled(enabled: bool) -> None:
    global PROGRESS_BAR_ENABLED
    PROGRESS_BAR_ENABLED = enabled


def set_progress_bar_global_hook(hook: Callable[..., None] | None) -> None:
    """ComfyUI's hook, called as ``hook(value, total, preview, node_id=...)`` on each update."""
    global _global_hook
    _global_hook = hook


class ProgressBar:
    """Progress of the running node: ``update(steps)`` adds, ``update_absolute(value)`` sets. Each update is also
    where an interrupted run stops the node."""

    def __init__(self, total: float, node_id: str | None = None) -> None:
        self.total = total
        self.current = 0.0
        self.node_id = node_id
        self._node = current()

    def update_absolute(self, value: float, total: float | None = None, preview: Any = None) -> None:
        if total is not None:
            self.total = total
        self.current = min(value, self.total) if self.total else value
        if self._node is not None:
            self._node.progress(self.current, self.total or None)
        if _global_hook is not None:
            _global_hook(self.current, self.total, preview, node_id=self.node_id)

    def update(self, value: float) -> None:
        self.update_absolute(self.current + value)


def common_upscale(samples: Any, width: int, height: int, upscale_method: str, crop: str) -> Any:
    """Resize ``[B,C,H,W]`` samples to ``width`` x ``height``; ``crop="center"`` first crops to the new aspect.

    Methods: ``nearest-exact``, ``bilinear``, ``area``, ``bicubic``; ``lanczos`` and ``bislerp`` resize bicubic.
    """
    import torch.nn.functional as functional

    if crop == "center":
        old_height, old_width = samples.shape[-2], samples.shape[-1]
        old_aspect, new_aspect = old_width / old_height, width / height
        x = y = 0
        if old_aspect > new_aspect:
            x = round((old_width - old_width * (new_aspect / old_aspect)) / 2)
        elif old_aspect < new_aspect:
            y = round((old_height - old_height * (old_aspect / new_aspect)) / 2)
        samples = samples.narrow(-2, y, old_height - y * 2).narrow(-1, x, old_width - x * 2)
    mode = {"lanczos": "bicubic", "bislerp": "bicubic"}.get(upscale_method, upscale_method)
    aligned = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
    return functional.interpolate(samples, size=(height, width), mode=mode, **aligned)


def save_torch_file(tensors: dict[str, Any], path: str, metadata: dict[str, str] | None = None) -> None:
    """Tensors to a ``.safetensors`` file."""
    from safetensors.torch import save_file

    save_file(tensors, path, metadata=metadata)


def load_torch_file(path: str, safe_load: bool = True, device: Any = None, return_metadata: bool = False) -> Any:
    """Tensors of a ``.safetensors`` file; other formats are refused (they can run code when read)."""
    if not str(path).lower().endswith((".safetensors", ".sft")):
        raise ValueError(f"{path}: only .safetensors weights are read (pickled formats can run code)")
    from safetensors import safe_open

    with safe_open(path, framework="pt", device=str(device or "cpu")) as weights:
        tensors = {name: weights.get_tensor(name) for name in weights.keys()}  # noqa: SIM118 (not a dict)
        metadata = weights.metadata()
    return (tensors, metadata) if return_metadata else tensors

#: ComfyUI's names this module does not provide are placeholders that fail when used (surface/placeholders.py)
__getattr__ = missing_names("comfy.utils")
