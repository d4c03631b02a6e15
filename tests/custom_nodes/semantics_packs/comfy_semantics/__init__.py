"""A pack written against ComfyUI's execution semantics, for tests: node expansion, blockers, DYNPROMPT, raw
links, async functions, progress and interrupts through ComfyUI's modules, ComfyUI's validation quirks."""

import asyncio
from typing import ClassVar

from comfy.comfy_types import IO
from comfy.model_management import throw_exception_if_processing_interrupted
from comfy.utils import ProgressBar
from comfy_execution.graph import ExecutionBlocker
from comfy_execution.graph_utils import GraphBuilder

import nodes


class AnyType(str):
    """The "any" type packs write: equal to every type name."""

    def __ne__(self, other):
        return False


class FlexibleOptionalInputType(dict):
    """An ``optional`` group taking inputs of any name."""

    def __contains__(self, key):
        return True

    def __getitem__(self, key):
        return (AnyType("*"),)


class Number:
    RETURN_TYPES = ("FLOAT",)
    FUNCTION = "go"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("FLOAT", {"default": 1.0})}}

    def go(self, value):
        return (value,)


class AddAll:
    """Adds its inputs, declared or not (its function takes **kwargs)."""

    RETURN_TYPES = ("FLOAT",)
    FUNCTION = "go"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"a": ("FLOAT", {"default": 0.0})}}

    def go(self, **values):
        return (float(sum(values.values())),)


class SumChain:
    """Expands into a chain of AddAll nodes adding ``count`` times ``step`` to a value; a literal second output."""

    RETURN_TYPES = ("FLOAT", "STRING")
    FUNCTION = "go"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("FLOAT",), "step": ("FLOAT", {"default": 1.0}),
                             "count": ("INT", {"default": 3, "min": 1})}}

    def go(self, value, step, count):
        graph = GraphBuilder()
        total = graph.node("AddAll", a=value)
        for _ in range(count):
            total = graph.node("AddAll", a=total.out(0), b=step)
        return {"result": (total.out(0), f"{count} steps"), "expand": graph.finalize()}


class SourceClass:
    """The class of the node feeding ``value``, read through DYNPROMPT, and that input as a raw link."""

    RETURN_TYPES = ("STRING", "STRING")
    FUNCTION = "go"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": (IO.ANY, {"rawLink": True})},
                "hidden": {"dynprompt": "DYNPROMPT", "unique_id": "UNIQUE_ID"}}

    def go(self, value, dynprompt, unique_id):
        source_id, index = value
        return (dynprompt.get_node(source_id)["class_type"], f"{source_id}:{index}:{unique_id}")


class Gate:
    RETURN_TYPES = (AnyType("*"),)
    FUNCTION = "go"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": (AnyType("*"),), "open": ("BOOLEAN", {"default": True})}}

    def go(self, value, open):
        return (value if open else ExecutionBlocker(None),)


class Handshake:
    """Two of these finish only if they run at once: each sets its own event and waits for the other's."""

    RETURN_TYPES = ("STRING",)
    FUNCTION = "go"
    EVENTS: ClassVar[dict[int, dict[str, asyncio.Event]]] = {}

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"me": ("STRING", {"default": "a"}), "other": ("STRING", {"default": "b"})}}

    async def go(self, me, other):
        loop_events = Handshake.EVENTS.setdefault(id(asyncio.get_running_loop()), {})
        mine = loop_events.setdefault(me, asyncio.Event())
        theirs = loop_events.setdefault(other, asyncio.Event())
        mine.set()
        await asyncio.wait_for(theirs.wait(), 10)
        return (f"{me} met {other}",)


class Steps:
    """Reports progress through ComfyUI's ProgressBar and stops where the run is interrupted."""

    RETURN_TYPES = ("INT",)
    FUNCTION = "go"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"steps": ("INT", {"default": 4})}}

    def go(self, steps):
        bar = ProgressBar(steps)
        for _ in range(steps):
            throw_exception_if_processing_interrupted()
            bar.update(1)
        return (steps,)


class Judged:
    """ComfyUI's validation: literals of any type, no range check where VALIDATE_INPUTS judges (async here)."""

    RETURN_TYPES = ("FLOAT",)
    FUNCTION = "go"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"x": ("IMAGE,FLOAT",), "y": ("FLOAT", {"min": 0.0, "max": 1.0}),
                             "both": ("INT", {"default": 1})},
                "optional": FlexibleOptionalInputType({"both": ("INT", {"default": 2})}),
                "hidden": {"extra": ("INT",), "secret": "SOMETHING_NEW"}}

    @classmethod
    async def VALIDATE_INPUTS(cls, x, **kwargs):
        return True if isinstance(x, float) else f"x must be a float, not {type(x).__name__}"

    def go(self, x, y, both, extra=0, secret="unset", **more):
        return (x + y + both + extra + sum(more.values()) + (secret is None),)


class Models:
    RETURN_TYPES = ("STRING",)
    FUNCTION = "go"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ([],)}}

    def go(self, model):
        return (model,)


class Resolution(nodes.PreviewImage):
    """A pack's node built on ComfyUI's core classes through ``import nodes``."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"images": ("IMAGE",), "limit": ("INT", {"default": nodes.MAX_RESOLUTION})}}

    FUNCTION = "check"

    def check(self, images, limit):
        return self.save_images(images[:, :limit, :limit])


class Short:
    """Declares two outputs and returns one, as some packs do (ComfyUI gives None for the missing one)."""

    RETURN_TYPES = ("STRING", "STRING")
    FUNCTION = "go"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {}}

    def go(self):
        return ("only",)


NODE_CLASS_MAPPINGS = {
    "Short": Short,
    "Number": Number, "AddAll": AddAll, "SumChain": SumChain, "SourceClass": SourceClass, "Gate": Gate,
    "Handshake": Handshake, "Steps": Steps, "Judged": Judged, "Models": Models, "Resolution": Resolution,
}
