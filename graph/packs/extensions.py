"""Editor extensions of custom node packs: the scripts the editor loads and the files it may fetch.

A loaded pack's ``WEB_DIRECTORY`` is served under ``/extensions/<pack>/``. ``scripts`` lists the URL
of every ``.js`` file there (ComfyUI's ``GET /extensions`` shape), which the editor ``import()``s, but for
scripts written for ComfyUI's own editor (they import its ``scripts/app.js``: LiteGraph widgets and canvas
code that Worldgraph's editor does not run; the pack's report says how many were left out);
``extension_file`` resolves a requested file inside its pack's folder and nowhere else.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..paths import PathOutsideFolder, resolve_inside
from .reports import LOADED, PackReport

URL_PREFIX = "/extensions"
_CONTENT_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
                  ".json": "application/json", ".svg": "image/svg+xml"}


def _served(packs: Iterable[PackReport]) -> list[tuple[PackReport, Path]]:
    return [(pack, pack.web_directory) for pack in packs if pack.status == LOADED and pack.web_directory]


def _files(folder: Path) -> list[str]:
    """The visible files below ``folder`` that resolve inside it, as sorted relative POSIX paths."""
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in relative.split("/")) or not path.is_file():
            continue
        try:
            resolve_inside(folder, relative)
        except PathOutsideFolder:
            continue  # a symlink out of the folder
        found.append(relative)
    return sorted(found)


#: an import of ComfyUI's own editor modules (``import { app } from "../../scripts/app.js"``), or its LiteGraph
#: classes used as globals
_COMFY_EDITOR = re.compile(
    r"""(?:from|import)\s*\(?\s*["'][^"']*scripts/(?:app|api|ui|widgets|utils|domWidget)\.js["']"""
    r"""|\b(?:LGraphCanvas|LGraphNode|LiteGraph)\b""")
#: a relative import of another script (``from "./utils.js"``)
_RELATIVE_IMPORT = re.compile(r"""(?:from|import)\s*\(?\s*["'](\.{1,2}/[^"']+)["']""")


def editor_scripts(folder: Path) -> tuple[list[str], list[str]]:
    """The ``.js`` files of ``folder``: those Worldgraph's editor can load, and those written for ComfyUI's
    (importing its editor, using LiteGraph, or importing such a script of the pack)."""
    texts = {}
    for name in _files(folder):
        if name.endswith((".js", ".mjs")):
            try:
                texts[name] = (folder / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
    theirs = {name for name, text in texts.items() if _COMFY_EDITOR.search(text)}
    imports = {name: {posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
                      for target in _RELATIVE_IMPORT.findall(text)} for name, text in texts.items()}
    grew = True
    while grew:  # a script importing one written for ComfyUI's editor cannot load either
        more = {name for name in texts if name not in theirs and imports[name] & theirs}
        theirs |= more
        grew = bool(more)
    return [name for name in texts if name not in theirs], sorted(theirs)


def scripts(packs: Iterable[PackReport]) -> list[str]:
    """``["/extensions/<pack>/<file>.js", ...]`` for every loaded pack with a web folder (scripts written for
    ComfyUI's own editor left out)."""
    return [f"{URL_PREFIX}/{quote(pack.name)}/{quote(name)}"
            for pack, folder in _served(packs) for name in editor_scripts(folder)[0]]


def listing(packs: Iterable[PackReport]) -> dict[str, Any]:
    """The report of every pack, as ``GET /custom_nodes`` serves it."""
    described = []
    for pack in packs:
        entry = pack.to_dict()
        served = bool(_served([pack]))
        entry["web_directory"] = f"{URL_PREFIX}/{quote(pack.name)}" if served else None
        entry["scripts"] = scripts([pack])
        described.append(entry)
    return {"packs": described}


def extension_file(packs: Iterable[PackReport], pack_name: str, relative: str) -> Path:
    """The file ``relative`` of ``pack_name``'s web folder.

    Raises ``FileNotFoundError`` (no such pack or file) or ``PathOutsideFolder`` (a name that
    would leave the folder).
    """
    folder = next((folder for pack, folder in _served(packs) if pack.name == pack_name), None)
    if folder is None:
        raise FileNotFoundError(f"no loaded custom node pack {pack_name!r} serves editor extensions")
    path = resolve_inside(folder, relative)
    if not path.is_file():
        raise FileNotFoundError(f"pack {pack_name!r} has no file {relative!r}")
    return path


def content_type(path: Path) -> str:
    return _CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
