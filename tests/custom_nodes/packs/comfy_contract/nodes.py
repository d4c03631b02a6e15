"""Node classes in ComfyUI's contract. ``CALLS`` and ``STATE`` let the tests see what ran."""

from __future__ import annotations

from collections import Counter
from typing import Any

import torch

CALLS: Counter[str] = Counter()
STATE = {"stamp": "v1"}


class Invert:
    DESCRIPTION = "1 - image, blended by strength"
    CATEGORY = "comfy_contract/image"
    RETURN_TYPES = ("IMAGE",)
    RETURN_NAMES = ("inverted",)
    OUTPUT_TOOLTIPS = ("the inverted frames",)
    FUNCTION = "invert"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"image": ("IMAGE", {"tooltip": "frames to invert"})},
                "optional": {"strength": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.05})}}

    def invert(self, image: torch.Tensor, strength: float = 1.0) -> tuple[torch.Tensor]:
        assert isinstance(image, torch.Tensor) and image.dtype == torch.float32, type(image)
        assert image.ndim == 4 and image.shape[-1] == 3 and 0.0 <= float(image.min()) <= float(image.max()) <= 1.0
        CALLS["Invert"] += 1
        return (image * (1 - strength) + (1.0 - image) * strength,)


class ImageStats:
    """An output node without outputs: only a UI payload."""

    CATEGORY = "comfy_contract/image"
    RETURN_TYPES = ()
    FUNCTION = "stats"
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"images": ("IMAGE",)}}

    def stats(self, images: torch.Tensor) -> dict[str, Any]:
        return {"ui": {"text": [f"{type(images).__name__} {list(images.shape)} mean={float(images.mean()):.3f}"]}}


class MakeLatent:
    CATEGORY = "comfy_contract/latent"
    RETURN_TYPES = ("LATENT_COMFY", "MODEL")
    FUNCTION = "make"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {
            "width": ("INT", {"default": 8, "min": 8, "max": 64, "step": 8}),
            "fill": (["zeros", "ones"],),
            "note": ("STRING", {"multiline": True, "default": "a latent"}),
            "seed": ("INT", {"min": 0, "max": 0xFFFFFFFFFFFFFFFF, "control_after_generate": True}),
        }}

    def make(self, width: int, fill: str, note: str, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
        samples = (torch.ones if fill == "ones" else torch.zeros)((1, 4, width // 8, width // 8))
        return {"samples": samples, "note": note}, {"model": "tiny", "seed": seed}


class LatentInfo:
    CATEGORY = "comfy_contract/latent"
    RETURN_TYPES = ("STRING",)
    RETURN_NAMES = ("info",)
    FUNCTION = "info"
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"latent": ("LATENT_COMFY",)},
                "optional": {"model": ("MODEL",)},
                "hidden": {"unique_id": "UNIQUE_ID", "prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    @classmethod
    def VALIDATE_INPUTS(cls, input_types: dict[str, str]) -> bool | str:
        return True if input_types.get("latent") == "LATENT_COMFY" else f"latent comes as {input_types}"

    def info(self, latent: dict[str, Any], unique_id: str, prompt: dict[str, Any], extra_pnginfo: dict[str, Any],
             model: dict[str, Any] | None = None) -> dict[str, Any]:
        text = f"{list(latent['samples'].shape)} sum={float(latent['samples'].sum()):g} {latent['note']}"
        classes = sorted(entry["class_type"] for entry in prompt.values())
        return {"ui": {"text": [text], "unique_id": [unique_id], "classes": classes,
                       "has_workflow": ["nodes" in extra_pnginfo["workflow"]], "model": [model]},
                "result": (text,)}


class LazySwitch:
    CATEGORY = "comfy_contract/logic"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "switch"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"condition": ("BOOLEAN", {"default": True}),
                             "on_true": ("IMAGE", {"lazy": True}),
                             "on_false": ("IMAGE", {"lazy": True})}}

    def check_lazy_status(self, condition: bool, on_true: Any = None, on_false: Any = None) -> list[str]:
        CALLS["check_lazy_status"] += 1
        wanted = "on_true" if condition else "on_false"
        return [wanted] if (on_true if condition else on_false) is None else []

    def switch(self, condition: bool, on_true: Any = None, on_false: Any = None) -> tuple[Any]:
        return (on_true if condition else on_false,)


class Split:
    CATEGORY = "comfy_contract/lists"
    RETURN_TYPES = ("STRING",)
    OUTPUT_IS_LIST = (True,)
    FUNCTION = "split"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"text": ("STRING", {"default": "a b c"})}}

    def split(self, text: str) -> tuple[list[str]]:
        return (text.split(),)


class Shout:
    """Runs once per item of a list it receives."""

    CATEGORY = "comfy_contract/lists"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "shout"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"text": ("STRING", {"forceInput": True}), "suffix": ("STRING", {"default": "!"})}}

    def shout(self, text: str, suffix: str) -> tuple[str]:
        CALLS["Shout"] += 1
        return (text.upper() + suffix,)


class Join:
    CATEGORY = "comfy_contract/lists"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "join"
    INPUT_IS_LIST = True
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"texts": ("STRING", {"forceInput": True}), "separator": ("STRING", {"default": "-"})}}

    def join(self, texts: list[str], separator: list[str]) -> dict[str, Any]:
        joined = separator[0].join(texts)
        return {"ui": {"text": [joined]}, "result": (joined,)}


class Divide:
    CATEGORY = "comfy_contract/math"
    RETURN_TYPES = ("FLOAT",)
    FUNCTION = "divide"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"a": ("INT", {"default": 1}), "b": ("INT", {"default": 1, "min": -100, "max": 100})}}

    @classmethod
    def VALIDATE_INPUTS(cls, b: int) -> bool | str:
        if b == 13:
            raise RuntimeError("unlucky")
        return True if b != 0 else "b must not be zero"

    def divide(self, a: int, b: int) -> tuple[float]:
        return (a / b,)


class Stamp:
    """IS_CHANGED from outside state: runs again when STATE changes."""

    CATEGORY = "comfy_contract/cache"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "stamp"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"label": ("STRING", {"default": "x"})}}

    @classmethod
    def IS_CHANGED(cls, label: str) -> str:
        return f"{label}/{STATE['stamp']}"

    def stamp(self, label: str) -> tuple[str]:
        CALLS["Stamp"] += 1
        return (f"{label} {STATE['stamp']}",)


class Always:
    """IS_CHANGED returns NaN: ComfyUI's "run every time"."""

    CATEGORY = "comfy_contract/cache"
    RETURN_TYPES = ("INT",)
    FUNCTION = "count"

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {}}

    @classmethod
    def IS_CHANGED(cls, **kwargs: Any) -> float:
        return float("nan")

    def count(self) -> tuple[int]:
        CALLS["Always"] += 1
        return (CALLS["Always"],)


NODE_CLASS_MAPPINGS = {
    "ComfyInvert": Invert, "ComfyImageStats": ImageStats, "ComfyMakeLatent": MakeLatent,
    "ComfyLatentInfo": LatentInfo, "ComfyLazySwitch": LazySwitch, "ComfySplit": Split, "ComfyShout": Shout,
    "ComfyJoin": Join, "ComfyDivide": Divide, "ComfyStamp": Stamp, "ComfyAlways": Always,
}
NODE_DISPLAY_NAME_MAPPINGS = {"ComfyInvert": "Invert (ComfyUI style)", "ComfyLatentInfo": "Latent info"}
