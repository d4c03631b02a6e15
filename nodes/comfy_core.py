"""ComfyUI's core nodes that packs written for ComfyUI build on, in ComfyUI's own node contract.

``import nodes`` in such a pack finds Worldgraph's ``nodes`` package; its module ``__getattr__`` answers
ComfyUI's names from here (``MAX_RESOLUTION``, ``NODE_CLASS_MAPPINGS``, ``SaveImage``, ``ImageScale`` ...). The
classes whose names Worldgraph's own nodes do not take are registered as nodes too (``RebatchImages``,
``ImageScale``...); ``SaveImage`` and ``PreviewImage`` stay Worldgraph's nodes (they write the same files and UI
payload) and are here for packs that call or subclass ComfyUI's.
"""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

MAX_RESOLUTION = 16384

_UPSCALE_METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]


def _torch() -> Any:
    import torch  # only packs written for ComfyUI use these nodes

    return torch


def _upscale(image: Any, width: int, height: int, method: str, crop: str) -> Any:
    from comfy.utils import common_upscale

    samples = image.movedim(-1, 1)
    return common_upscale(samples, width, height, method, crop).movedim(1, -1)


class SaveImage:
    """ComfyUI's SaveImage: PNGs in the output folder, the prompt and workflow in their text chunks."""

    def __init__(self) -> None:
        import folder_paths

        self.output_dir = folder_paths.get_output_directory()
        self.type = "output"
        self.prefix_append = ""
        self.compress_level = 4

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"images": ("IMAGE",), "filename_prefix": ("STRING", {"default": "ComfyUI"})},
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    RETURN_TYPES: tuple[str, ...] = ()
    FUNCTION = "save_images"
    OUTPUT_NODE = True
    CATEGORY = "image"

    def save_images(self, images: Any, filename_prefix: str = "ComfyUI", prompt: Any = None,
                    extra_pnginfo: Any = None) -> dict[str, Any]:
        import folder_paths

        filename_prefix += self.prefix_append
        folder, filename, counter, subfolder, _ = folder_paths.get_save_image_path(
            filename_prefix, self.output_dir, images[0].shape[1], images[0].shape[0])
        saved = []
        for batch_number, image in enumerate(images):
            pixels = np.clip(255.0 * image.cpu().numpy(), 0, 255).astype(np.uint8)
            metadata = PngInfo()
            if prompt is not None:
                metadata.add_text("prompt", json.dumps(prompt))
            for key, value in (extra_pnginfo or {}).items():
                metadata.add_text(key, json.dumps(value))
            name = f"{filename.replace('%batch_num%', str(batch_number))}_{counter:05}_.png"
            Image.fromarray(pixels).save(os.path.join(folder, name), pnginfo=metadata,
                                         compress_level=self.compress_level)
            saved.append({"filename": name, "subfolder": subfolder, "type": self.type})
            counter += 1
        return {"ui": {"images": saved}}


class PreviewImage(SaveImage):
    """ComfyUI's PreviewImage: SaveImage into the temp folder."""

    def __init__(self) -> None:
        import random

        import folder_paths

        self.output_dir = folder_paths.get_temp_directory()
        self.type = "temp"
        self.prefix_append = "_temp_" + "".join(random.choice("abcdefghijklmnopqrstupvxyz") for _ in range(5))
        self.compress_level = 1

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"images": ("IMAGE",)}, "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}


class RebatchImages:
    """Images from any number of batches, regrouped into batches of ``batch_size``."""

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"images": ("IMAGE",), "batch_size": ("INT", {"default": 1, "min": 1, "max": 4096})}}

    RETURN_TYPES = ("IMAGE",)
    INPUT_IS_LIST = True
    OUTPUT_IS_LIST = (True,)
    FUNCTION = "rebatch"
    CATEGORY = "image/batch"

    def rebatch(self, images: list[Any], batch_size: list[int]) -> tuple[list[Any]]:
        size = batch_size[0]
        frames = [frame for batch in images for frame in batch]
        return ([_torch().stack(frames[start:start + size]) for start in range(0, len(frames), size)],)


class ImageScale:
    upscale_methods = _UPSCALE_METHODS
    crop_methods: ClassVar[list[str]] = ["disabled", "center"]

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        size = {"default": 512, "min": 0, "max": MAX_RESOLUTION, "step": 1}
        return {"required": {"image": ("IMAGE",), "upscale_method": (cls.upscale_methods,), "width": ("INT", size),
                             "height": ("INT", size), "crop": (cls.crop_methods,)}}

    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "upscale"
    CATEGORY = "image/upscaling"

    def upscale(self, image: Any, upscale_method: str, width: int, height: int, crop: str) -> tuple[Any]:
        if width == 0 and height == 0:
            return (image,)
        old_height, old_width = image.shape[1], image.shape[2]
        width = width or max(1, round(old_width * height / old_height))
        height = height or max(1, round(old_height * width / old_width))
        return (_upscale(image, width, height, upscale_method, crop),)


class ImageScaleBy:
    upscale_methods = _UPSCALE_METHODS

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"image": ("IMAGE",), "upscale_method": (cls.upscale_methods,),
                             "scale_by": ("FLOAT", {"default": 1.0, "min": 0.01, "max": 8.0, "step": 0.01})}}

    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "upscale"
    CATEGORY = "image/upscaling"

    def upscale(self, image: Any, upscale_method: str, scale_by: float) -> tuple[Any]:
        width, height = round(image.shape[2] * scale_by), round(image.shape[1] * scale_by)
        return (_upscale(image, width, height, upscale_method, "disabled"),)


class ImageInvert:
    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"image": ("IMAGE",)}}

    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "invert"
    CATEGORY = "image"

    def invert(self, image: Any) -> tuple[Any]:
        return (1.0 - image,)


class ImageBatch:
    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"image1": ("IMAGE",), "image2": ("IMAGE",)}}

    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "batch"
    CATEGORY = "image"

    def batch(self, image1: Any, image2: Any) -> tuple[Any]:
        if image1.shape[1:] != image2.shape[1:]:
            image2 = _upscale(image2, image1.shape[2], image1.shape[1], "bilinear", "center")
        return (_torch().cat((image1, image2), dim=0),)


#: ComfyUI's core classes packs look up by name (``nodes.NODE_CLASS_MAPPINGS["ImageScale"]``)
NODE_CLASS_MAPPINGS: dict[str, type] = {
    "SaveImage": SaveImage, "PreviewImage": PreviewImage, "RebatchImages": RebatchImages,
    "ImageScale": ImageScale, "ImageScaleBy": ImageScaleBy, "ImageInvert": ImageInvert, "ImageBatch": ImageBatch,
}
NODE_DISPLAY_NAME_MAPPINGS = {"RebatchImages": "Rebatch Images", "ImageScale": "Upscale Image",
                              "ImageScaleBy": "Upscale Image By", "ImageInvert": "Invert Image",
                              "ImageBatch": "Batch Images"}
#: ComfyUI's core nodes and helpers for diffusion models, which Worldgraph does not run: packs may import and
#: subclass them (placeholders that fail when used)
UNAVAILABLE = frozenset({
    "CheckpointLoaderSimple", "CheckpointLoader", "LoraLoader", "LoraLoaderModelOnly", "CLIPTextEncode",
    "CLIPSetLastLayer", "CLIPLoader", "DualCLIPLoader", "CLIPVisionLoader", "CLIPVisionEncode", "KSampler",
    "KSamplerAdvanced", "VAEDecode", "VAEEncode", "VAEDecodeTiled", "VAEEncodeTiled", "VAELoader", "UNETLoader",
    "EmptyLatentImage", "LatentUpscale", "LatentUpscaleBy", "LatentFromBatch", "SetLatentNoiseMask",
    "ControlNetLoader", "ControlNetApply", "ControlNetApplyAdvanced", "ConditioningCombine", "ConditioningSetArea",
    "ConditioningSetMask", "ConditioningAverage", "StyleModelLoader", "GLIGENLoader", "VAEEncodeForInpaint",
    "common_ksampler",
})
#: the classes registered as nodes: those whose names Worldgraph's own nodes do not take
REGISTERED = ("RebatchImages", "ImageScale", "ImageScaleBy", "ImageInvert", "ImageBatch")
