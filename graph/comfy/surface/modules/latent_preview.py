"""ComfyUI's ``latent_preview``: Worldgraph shows no previews of diffusion latents; the sampler callback it
hands out reports progress only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from comfy.utils import ProgressBar


def get_previewer(device: Any, latent_format: Any) -> None:
    return None


def prepare_callback(model: Any, steps: int, x0_output_dict: dict[str, Any] | None = None) -> Callable[..., None]:
    bar = ProgressBar(steps)

    def callback(step: int, x0: Any, x: Any, total_steps: int) -> None:
        if x0_output_dict is not None:
            x0_output_dict["x0"] = x0
        bar.update_absolute(step + 1, total_steps)

    return callback
