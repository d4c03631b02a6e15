"""ComfyUI's ``latent_preview``: Worldgraph shows no previews of diffusion latents; the sampler callback it
hands out reports progress only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from comfy.utils import ProgressBar
from graph.comfy.surface.placeholders import missing_names


def get_previewer(device: Any, latent_format: Any) -> None:
    return None


def prepare_callback(model: Any, steps: int, x0_output_dict: dict[str, Any] | None = None) -> Callable[..., None]:
    bar = ProgressBar(steps)

    def callback(step: int, x0: Any, x: Any, total_steps: int) -> None:
        if x0_output_dict is not None:
            x0_output_dict["x0"] = x0
        bar.update_absolute(step + 1, total_steps)

    return callback

#: ComfyUI's names this module does not provide are placeholders that fail when used (surface/placeholders.py)
__getattr__ = missing_names("latent_preview")
