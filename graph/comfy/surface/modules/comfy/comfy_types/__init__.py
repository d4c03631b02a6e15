"""ComfyUI's ``comfy.comfy_types``: socket type names (``IO``) and the node base class packs type against."""

from .node_typing import IO, CheckLazyMixin, ComfyNodeABC, FileLocator, InputTypeDict, InputTypeOptions

__all__ = ["IO", "CheckLazyMixin", "ComfyNodeABC", "FileLocator", "InputTypeDict", "InputTypeOptions"]
