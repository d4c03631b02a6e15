"""ComfyUI's ``comfy_execution.graph`` names packs use: ``ExecutionBlocker`` and ``DynamicPrompt``."""

from graph.comfy.blocking import ExecutionBlocker
from graph.comfy.dynprompt import DynamicPrompt
from graph.comfy.surface.placeholders import missing_names

__all__ = ["DynamicPrompt", "ExecutionBlocker"]

#: ComfyUI's names this module does not provide are placeholders that fail when used (surface/placeholders.py)
__getattr__ = missing_names("comfy_execution.graph")
