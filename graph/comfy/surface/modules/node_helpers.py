"""ComfyUI's ``node_helpers``: small helpers packs share (conditioning values, Pillow calls, hashing)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from graph.comfy.surface.placeholders import missing_names


def conditioning_set_values(conditioning: list[Any], values: dict[str, Any] | None = None,
                            append: bool = False) -> list[Any]:
    """Each ``[tensor, options]`` of ``conditioning`` with ``values`` set in its options (``append``: added to
    lists already there)."""
    changed = []
    for tensor, options in conditioning:
        options = dict(options)
        for key, value in (values or {}).items():
            options[key] = options.get(key, []) + value if append and key in options else value
        changed.append([tensor, options])
    return changed


def pillow(function: Callable[[Any], Any], argument: Any) -> Any:
    """``function(argument)``, retried with truncated images allowed (Pillow refuses them by default)."""
    from PIL import ImageFile

    try:
        return function(argument)
    except OSError:  # a truncated file (UnidentifiedImageError is an OSError too)
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            return function(argument)
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def hasher() -> Callable[..., Any]:
    return hashlib.sha256


def string_to_torch_dtype(name: str) -> Any:
    import torch

    return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[name]


def image_alpha_fix(destination: Any, source: Any) -> tuple[Any, Any]:
    """``destination`` and ``source`` with the same number of channels (alpha added or dropped)."""
    import torch

    if destination.shape[-1] < source.shape[-1]:
        source = source[..., :destination.shape[-1]]
    elif destination.shape[-1] > source.shape[-1]:
        pad = torch.ones_like(source[..., :1]).expand(*source.shape[:-1], destination.shape[-1] - source.shape[-1])
        source = torch.cat((source, pad), dim=-1)
    return destination, source

#: ComfyUI's names this module does not provide are placeholders that fail when used (surface/placeholders.py)
__getattr__ = missing_names("node_helpers")
