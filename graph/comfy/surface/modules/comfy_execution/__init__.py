"""ComfyUI's ``comfy_execution`` package: the blocker and dynamic prompt (``graph``), the graph builder
(``graph_utils``) for node expansion."""
