"""ComfyUI's ``comfy`` package as far as Worldgraph provides it (docs/custom-nodes.md, "ComfyUI's modules")."""
