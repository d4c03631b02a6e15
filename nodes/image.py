"""Images: load from the input folder, make, save (with the workflow embedded) and preview."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from graph import IMAGE, Bool, Int, Node, NodeResult, NodeSchema, Output, OutputFiles, Paths, Socket, String, Workflow
from media.budget import FrameBudget, FrameBudgetError
from media.image import ImageDecodeError, decode_image, encode_png, read_png_text, solid_frames

#: The PNG text chunk that carries the workflow.
WORKFLOW_CHUNK = "workflow"


def embedded_workflow(path: Path) -> str | None:
    """The workflow a PNG carries in its text chunk."""
    return read_png_text(path).get(WORKFLOW_CHUNK) if path.suffix.lower() == ".png" else None


class LoadImage(Node):
    schema = NodeSchema(
        name="LoadImage", display_name="Load image", category="image",
        description="Reads an image (all frames of an animation) from the input folder, within the frame budget.",
        inputs=(String("image", "", tooltip="file name inside the input folder", upload="image"),),
        outputs=(Output("image", IMAGE),), context=("paths",),
    )

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> str:
        return hashlib.sha256(paths.resolve("input", constants["image"]).read_bytes()).hexdigest()

    def run(self, image: str, paths: Paths) -> tuple[np.ndarray]:
        path = paths.resolve("input", image)
        if not path.is_file():
            raise FileNotFoundError(f"input 'image' = {image!r}: no such file in {paths.input}")
        try:
            return (decode_image(path),)
        except (ImageDecodeError, FrameBudgetError) as refused:
            raise type(refused)(f"input 'image' = {image!r}: {refused}") from None


class EmptyImage(Node):
    schema = NodeSchema(
        name="EmptyImage", display_name="Empty image", category="image",
        description="Frames of one colour, within the frame budget.",
        inputs=(
            Int("width", 512, min=1, max=8192, step=8), Int("height", 512, min=1, max=8192, step=8),
            Int("batch", 1, min=1, max=4096),
            Int("red", 0, min=0, max=255, display="slider"), Int("green", 0, min=0, max=255, display="slider"),
            Int("blue", 0, min=0, max=255, display="slider"),
        ),
        outputs=(Output("image", IMAGE),),
    )

    def run(self, width: int, height: int, batch: int, red: int, green: int, blue: int) -> tuple[np.ndarray]:
        budget = FrameBudget.from_environ()
        budget.check_frame(width, height, subject="inputs 'width' and 'height'")
        budget.check_frames(batch, width, height, subject=f"input 'batch' = {batch}")
        return (solid_frames(width, height, (red, green, blue), batch),)


def save_frames(images: np.ndarray, folder_kind: str, prefix: str, files: OutputFiles,
                text: dict[str, str]) -> list[dict[str, str]]:
    _check_frames(images)
    return [files.write_bytes(folder_kind, prefix, "png", encode_png(frame, text)) for frame in images]


def _check_frames(images: Any) -> None:
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 4 or images.shape[3] != 3:
        shown = f"{images.dtype} {list(images.shape)}" if isinstance(images, np.ndarray) else type(images).__name__
        raise TypeError(f"input 'images' must be uint8 frames [N,H,W,3], got {shown}")


class SaveImage(Node):
    schema = NodeSchema(
        name="SaveImage", display_name="Save image", category="image",
        description="Writes each frame as a PNG in the output folder, with the workflow embedded.",
        inputs=(
            Socket("images", IMAGE),
            String("filename_prefix", "worldgraph", tooltip="may start with a subfolder: renders/shot"),
            Bool("embed_workflow", True, tooltip="store the workflow in the PNG so the editor can reopen it"),
        ),
        output_node=True, context=("files", "workflow"),
    )

    def run(self, images: np.ndarray, filename_prefix: str, embed_workflow: bool, files: OutputFiles,
            workflow: Workflow) -> NodeResult:
        text = {WORKFLOW_CHUNK: workflow.to_json(indent=None)} if embed_workflow else {}
        return NodeResult((), {"images": save_frames(images, "output", filename_prefix, files, text)})


class PreviewImage(Node):
    schema = NodeSchema(
        name="PreviewImage", display_name="Preview image", category="image",
        description="Shows frames in the editor (temporary files, not kept as outputs).",
        inputs=(Socket("images", IMAGE),), output_node=True, context=("files",),
    )

    def run(self, images: np.ndarray, files: OutputFiles) -> NodeResult:
        return NodeResult((), {"images": save_frames(images, "temp", "preview", files, {})})


def image_to_comfy(frames: np.ndarray) -> Any:
    """Our IMAGE (uint8 ``[B,H,W,3]``) as ComfyUI's: a float32 torch tensor ``[B,H,W,3]`` in 0..1."""
    import torch  # only nodes written for ComfyUI need it

    _check_frames(frames)
    return torch.from_numpy(frames.astype(np.float32) * np.float32(1 / 255))


def image_from_comfy(value: Any) -> np.ndarray:
    """ComfyUI's IMAGE (a float tensor or array ``[B,H,W,C]`` or ``[H,W,C]`` in 0..1; C = 1, 3 or 4) as
    ours: uint8 ``[B,H,W,3]`` (alpha dropped, grey repeated), quantised as ComfyUI's SaveImage does (255 x value,
    truncated), so a picture saved here has the bytes ComfyUI would write."""
    array = value.detach().float().cpu().numpy() if hasattr(value, "detach") else np.asarray(value, np.float32)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[3] not in (1, 3, 4):
        raise TypeError(f"an IMAGE from a ComfyUI-style node must be [B,H,W,C] with C = 1, 3 or 4, got "
                        f"{list(array.shape)}")
    rgb = np.repeat(array, 3, axis=3) if array.shape[3] == 1 else array[..., :3]
    return np.ascontiguousarray(np.clip(255.0 * np.nan_to_num(rgb), 0, 255).astype(np.uint8))


NODES = (LoadImage, EmptyImage, SaveImage, PreviewImage)
