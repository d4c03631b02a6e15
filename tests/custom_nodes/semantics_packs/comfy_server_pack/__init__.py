"""A pack written for ComfyUI that adds a route through PromptServer and talks to the client with send_sync."""

from aiohttp import web
from server import BinaryEventTypes, PromptServer


@PromptServer.instance.routes.get("/comfy_server_pack/hello")
async def hello(request):
    return web.json_response({"hello": request.query.get("name", "world"),
                              "preview_event": BinaryEventTypes.PREVIEW_IMAGE})


async def direct(request):
    return web.json_response({"direct": True})


# some packs add routes to the app's router itself, at import (before the server runs)
PromptServer.instance.app.router.add_route("GET", "/comfy_server_pack/direct", direct)


class Announce:
    RETURN_TYPES = ("STRING",)
    FUNCTION = "go"
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"text": ("STRING", {"default": "hi"})}, "hidden": {"unique_id": "UNIQUE_ID"}}

    def go(self, text, unique_id):
        PromptServer.instance.send_sync("comfy_server_pack.announce", {"node": unique_id, "text": text})
        return (text,)


NODE_CLASS_MAPPINGS = {"Announce": Announce}
