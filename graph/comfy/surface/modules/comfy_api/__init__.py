"""ComfyUI's ``comfy_api``: the versioned API packs call (``v0_0_2``: progress of the running node)."""
