"""ComfyUI's ``comfy_execution.graph`` names packs use: ``ExecutionBlocker`` and ``DynamicPrompt``."""

from graph.comfy.blocking import ExecutionBlocker
from graph.comfy.dynprompt import DynamicPrompt

__all__ = ["DynamicPrompt", "ExecutionBlocker"]
