"""A pack written to ComfyUI's node contract (it imports nothing of ComfyUI or Worldgraph).

The tests load it as a custom node pack and run it through the executor and the server; between
them its nodes use every part of the contract Worldgraph supports.
"""

from .nodes import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

WEB_DIRECTORY = "./web"

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS", "WEB_DIRECTORY"]
