"""Socket type names and the ComfyUI node base class, for packs that type their nodes against them.

``IO`` members are the type names themselves (a ``str`` enum). Comparing them follows ComfyUI: ``IO.ANY`` ("*")
equals every type, and a union such as ``IO.NUMBER`` ("FLOAT,INT") equals each of its parts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import Any, ClassVar, Literal, TypedDict


class IO(StrEnum):
    STRING = "STRING"
    IMAGE = "IMAGE"
    MASK = "MASK"
    LATENT = "LATENT"
    BOOLEAN = "BOOLEAN"
    INT = "INT"
    FLOAT = "FLOAT"
    COMBO = "COMBO"
    CONDITIONING = "CONDITIONING"
    SAMPLER = "SAMPLER"
    SIGMAS = "SIGMAS"
    GUIDER = "GUIDER"
    NOISE = "NOISE"
    CLIP = "CLIP"
    CONTROL_NET = "CONTROL_NET"
    VAE = "VAE"
    MODEL = "MODEL"
    LORA_MODEL = "LORA_MODEL"
    LOSS_MAP = "LOSS_MAP"
    CLIP_VISION = "CLIP_VISION"
    CLIP_VISION_OUTPUT = "CLIP_VISION_OUTPUT"
    STYLE_MODEL = "STYLE_MODEL"
    GLIGEN = "GLIGEN"
    UPSCALE_MODEL = "UPSCALE_MODEL"
    AUDIO = "AUDIO"
    VIDEO = "VIDEO"
    WEBCAM = "WEBCAM"
    POINT = "POINT"
    FACE_ANALYSIS = "FACE_ANALYSIS"
    BBOX = "BBOX"
    SEGS = "SEGS"
    ANY = "*"
    NUMBER = "FLOAT,INT"
    PRIMITIVE = "STRING,FLOAT,INT,BOOLEAN"

    def __str__(self) -> str:
        return self.value

    def __eq__(self, other: object) -> bool:
        return not self.__ne__(other)

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, str):
            return True
        if self.value == "*" or other == "*":
            return False
        mine, theirs = frozenset(self.value.split(",")), frozenset(str(other).split(","))
        return not (mine <= theirs or theirs <= mine)

    def __hash__(self) -> int:
        return hash(self.value)


class InputTypeOptions(TypedDict, total=False):
    default: Any
    defaultInput: bool
    forceInput: bool
    lazy: bool
    rawLink: bool
    tooltip: str
    min: float
    max: float
    step: float
    round: float
    display: Literal["number", "slider", "color"]
    multiline: bool
    placeholder: str
    dynamicPrompts: bool
    image_upload: bool
    control_after_generate: bool
    options: list[Any]


class InputTypeDict(TypedDict, total=False):
    required: dict[str, tuple[Any, InputTypeOptions] | tuple[Any]]
    optional: dict[str, tuple[Any, InputTypeOptions] | tuple[Any]]
    hidden: dict[str, str]


class ComfyNodeABC(ABC):
    """The attributes a ComfyUI node class declares; subclassing it is optional in both ComfyUI and here."""

    DESCRIPTION: ClassVar[str]
    CATEGORY: ClassVar[str]
    EXPERIMENTAL: ClassVar[bool] = False
    DEPRECATED: ClassVar[bool] = False
    RETURN_TYPES: ClassVar[tuple[Any, ...]]
    RETURN_NAMES: ClassVar[tuple[str, ...]]
    OUTPUT_TOOLTIPS: ClassVar[tuple[str, ...]]
    FUNCTION: ClassVar[str]
    OUTPUT_NODE: ClassVar[bool] = False
    INPUT_IS_LIST: ClassVar[bool] = False
    OUTPUT_IS_LIST: ClassVar[tuple[bool, ...]]

    @classmethod
    @abstractmethod
    def INPUT_TYPES(cls) -> InputTypeDict:
        """The node's inputs."""


class CheckLazyMixin:
    """Asks for every lazy input not evaluated yet (what a node without ``check_lazy_status`` gets anyway)."""

    def check_lazy_status(self, **kwargs: Any) -> list[str]:
        return [name for name, value in kwargs.items() if value is None]


class FileLocator(TypedDict):
    filename: str
    subfolder: str
    type: Literal["input", "output", "temp"]
