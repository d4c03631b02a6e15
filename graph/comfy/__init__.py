"""ComfyUI interop: its node contract, its API prompts and its ``/object_info`` shape.

- ``graph.comfy.nodes``: ``adapt`` wraps a ComfyUI-style class in a generated ``Node`` subclass.
- ``graph.comfy.inputs``: ``INPUT_TYPES()`` parsed into ``Input`` specs.
- ``graph.comfy.boundary``: value converters by socket type, and ``ComfyList``.
- ``graph.comfy.prompt``: API prompts (``{id: {"class_type", "inputs"}}``) to workflow documents and back.
- ``graph.comfy.object_info``: a registry's nodes described in the shape of ComfyUI's ``/object_info``.

This file imports none of them: the registry imports ``boundary`` (every registry has converters),
while ``nodes``, ``prompt`` and ``object_info`` import the registry, so re-exporting them here would
tie the two into a cycle.
"""
