"""A pack written for ComfyUI that reads its folders through ComfyUI's ``folder_paths`` module."""

import os

import folder_paths


class ListWorldModels:
    CATEGORY = "testing/folders"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": (folder_paths.get_filename_list("world") or ["none"],)}}

    def run(self, model):
        path = folder_paths.get_full_path_or_raise("world", model)
        return (f"{os.path.basename(path)} in {os.path.basename(folder_paths.get_input_directory())}",)


class SavePath:
    CATEGORY = "testing/folders"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"prefix": ("STRING", {"default": "shots/frame"})}}

    def run(self, prefix):
        folder, name, counter, subfolder, _ = folder_paths.get_save_image_path(
            prefix, folder_paths.get_output_directory())
        inside = folder == os.path.join(folder_paths.get_output_directory(), subfolder)
        return (f"{subfolder}|{name}|{counter}|{inside}",)


NODE_CLASS_MAPPINGS = {"ListWorldModels": ListWorldModels, "SavePath": SavePath}
