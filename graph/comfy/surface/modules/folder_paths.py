"""ComfyUI's ``folder_paths`` for packs, answering from Worldgraph's folders: input, output and temp as the server
uses them, models under ``ROOT/models/<kind>``, the user folder ``ROOT/user``. Lookups never leave their folder."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

supported_pt_extensions: set[str] = {".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft"}

#: the model kinds ComfyUI knows, each a folder under ``models_dir``; Worldgraph's learned worlds are ``world``
_KINDS = ("checkpoints", "configs", "loras", "vae", "text_encoders", "clip", "clip_vision", "style_models",
          "embeddings", "diffusers", "vae_approx", "controlnet", "gligen", "upscale_models", "hypernetworks",
          "photomaker", "classifiers", "diffusion_models", "unet", "world")

base_path = os.getcwd()
models_dir = os.path.join(base_path, "models")
output_directory = os.path.join(base_path, "output")
input_directory = os.path.join(base_path, "input")
temp_directory = os.path.join(base_path, "temp")
user_directory = os.path.join(base_path, "user")
#: kind -> ([folders], {file extensions}); an empty extension set takes every file
folder_names_and_paths: dict[str, tuple[list[str], set[str]]] = {}


def use_root(root: Path, input_dir: Path, output_dir: Path, temp_dir: Path) -> None:
    """Answer from ``root`` (models and user beside the three folders given)."""
    global base_path, models_dir, output_directory, input_directory, temp_directory, user_directory
    base_path, models_dir = str(root), str(root / "models")
    output_directory, input_directory, temp_directory = str(output_dir), str(input_dir), str(temp_dir)
    user_directory = str(root / "user")
    for folder in (output_directory, input_directory, temp_directory):
        os.makedirs(folder, exist_ok=True)  # as ComfyUI does at start: packs list these folders as they load
    folder_names_and_paths.clear()
    for kind in _KINDS:
        extensions = {".yaml", ".json"} if kind == "configs" else set() if kind == "diffusers" \
            else set(supported_pt_extensions)
        folder_names_and_paths[kind] = ([os.path.join(models_dir, kind)], extensions)
    folder_names_and_paths["custom_nodes"] = ([os.path.join(base_path, "custom_nodes")], set())


use_root(Path(base_path), Path(input_directory), Path(output_directory), Path(temp_directory))


def get_output_directory() -> str:
    return output_directory


def get_input_directory() -> str:
    return input_directory


def get_temp_directory() -> str:
    return temp_directory


def get_user_directory() -> str:
    return user_directory


def set_output_directory(path: str) -> None:
    global output_directory
    output_directory = path


def set_input_directory(path: str) -> None:
    global input_directory
    input_directory = path


def set_temp_directory(path: str) -> None:
    global temp_directory
    temp_directory = path


def get_directory_by_type(type_name: str) -> str | None:
    return {"output": output_directory, "input": input_directory, "temp": temp_directory}.get(type_name)


def annotated_filepath(name: str) -> tuple[str, str | None]:
    """``name`` without a trailing `` [output]`` / `` [input]`` / `` [temp]``, and that folder (None: none)."""
    for kind in ("output", "input", "temp"):
        suffix = f" [{kind}]"
        if name.endswith(suffix):
            return name[: -len(suffix)], get_directory_by_type(kind)
    return name, None


def get_annotated_filepath(name: str, default_dir: str | None = None) -> str:
    name, base = annotated_filepath(name)
    return _inside(base or default_dir or input_directory, name)


def exists_annotated_filepath(name: str) -> bool:
    try:
        return os.path.exists(get_annotated_filepath(name))
    except ValueError:
        return False


def add_model_folder_path(folder_name: str, full_folder_path: str, is_default: bool = False) -> None:
    """Another folder for a kind (first when ``is_default``); a new kind takes the usual model extensions."""
    folders = folder_names_and_paths.setdefault(folder_name, ([], set(supported_pt_extensions)))[0]
    if full_folder_path in folders:
        folders.remove(full_folder_path)
    folders.insert(0 if is_default else len(folders), full_folder_path)


def get_folder_paths(folder_name: str) -> list[str]:
    return list(folder_names_and_paths[folder_name][0])


def filter_files_extensions(files: Iterable[str], extensions: Iterable[str]) -> list[str]:
    wanted = {e.lower() for e in extensions}
    return sorted(f for f in files if not wanted or os.path.splitext(f)[1].lower() in wanted)


def recursive_search(directory: str, excluded_dir_names: list[str] | None = None) -> tuple[list[str], dict[str, float]]:
    """Files under ``directory`` (relative, ``/``-separated), and each folder's modification time."""
    excluded = set(excluded_dir_names or []) | {".git"}
    files: list[str] = []
    folders: dict[str, float] = {}
    if not os.path.isdir(directory):
        return [], {}
    for current, subfolders, names in os.walk(directory, followlinks=True):
        subfolders[:] = [d for d in subfolders if d not in excluded]
        folders[current] = os.path.getmtime(current)
        files.extend(os.path.relpath(os.path.join(current, n), directory).replace(os.sep, "/") for n in names)
    return files, folders


def get_filename_list(folder_name: str) -> list[str]:
    """The files of a model kind, relative to its folders (an unknown kind: none)."""
    if folder_name not in folder_names_and_paths:
        return []
    folders, extensions = folder_names_and_paths[folder_name]
    found: set[str] = set()
    for folder in folders:
        found.update(filter_files_extensions(recursive_search(folder)[0], extensions))
    return sorted(found)


def get_full_path(folder_name: str, filename: str) -> str | None:
    """The path of ``filename`` in the first folder of the kind holding it; None when none does (or it would
    leave its folder)."""
    for folder in folder_names_and_paths.get(folder_name, ([], set()))[0]:
        try:
            path = _inside(folder, filename)
        except ValueError:
            return None
        if os.path.isfile(path):
            return path
    return None


def get_full_path_or_raise(folder_name: str, filename: str) -> str:
    path = get_full_path(folder_name, filename)
    if path is None:
        raise FileNotFoundError(f"model {filename!r} is not in the {folder_name!r} folders "
                                f"({', '.join(folder_names_and_paths.get(folder_name, ([], set()))[0]) or 'none'})")
    return path


def get_save_image_path(filename_prefix: str, output_dir: str, image_width: int = 0,
                        image_height: int = 0) -> tuple[str, str, int, str, str]:
    """(folder, file name stem, next counter, subfolder, prefix) for saving ``filename_prefix`` under
    ``output_dir``, ComfyUI's way: ``%width%`` / ``%height%`` filled in, the counter one past the highest
    ``<stem>_<counter>_`` file there."""
    prefix = filename_prefix.replace("%width%", str(image_width)).replace("%height%", str(image_height))
    subfolder, filename = os.path.split(os.path.normpath(prefix))
    full_output_folder = _inside(output_dir, subfolder) if subfolder else output_dir
    numbered = re.compile(rf"^{re.escape(filename)}_(\d+)_")
    taken = os.listdir(full_output_folder) if os.path.isdir(full_output_folder) else []
    counter = max((int(m.group(1)) for name in taken if (m := numbered.match(name))), default=0) + 1
    os.makedirs(full_output_folder, exist_ok=True)
    return full_output_folder, filename, counter, subfolder, prefix


def _inside(folder: str, name: str) -> str:
    """``folder/name``, refused (ValueError) when it would leave ``folder``."""
    root = os.path.realpath(folder)
    path = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, path]) != root:
        raise ValueError(f"{name!r} would leave its folder {folder!r}")
    return path
