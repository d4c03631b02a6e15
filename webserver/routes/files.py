"""Files: outputs and inputs through /view, uploads into input/, workflows imported from any file that holds one,
and the workflow templates shipped in workflows/.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy
from PIL import Image, UnidentifiedImageError

from graph import Executor, PathOutsideFolder, Workflow, WorkflowError
from graph.files import atomic_write_bytes
from graph.workflow import read_text
from webserver.headers import user_file
from webserver.keys import EXECUTOR
from webserver.protocol import respond
from webserver.routing import Route
from webserver.security import check_name, error, inside, read_json

TEMPLATES = Path(__file__).resolve().parents[2] / "workflows"
MAX_IMAGE_PIXELS = 64_000_000
#: bytes an uploaded file's name is cut to: " (n)" still fits under the filesystem's 255
MAX_UPLOAD_NAME = 200
_SAFE_NAME = re.compile(r"[^\w.\- ()]+")


async def get_view(request: web.Request) -> web.StreamResponse:
    paths = request.app[EXECUTOR].paths
    query = request.query
    filename, subfolder = query.get("filename", ""), query.get("subfolder", "")
    check_name(f"{subfolder}/{filename}")
    try:
        path = paths.resolve(query.get("type", "output"), filename, subfolder)
    except PathOutsideFolder as refused:
        raise error(400, str(refused)) from None
    if not path.is_file():
        raise error(404, "no such file")
    return user_file(path)  # answers Range requests, so video seeks


def _clean_name(name: str) -> str:
    base = _SAFE_NAME.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    if not base:
        raise error(400, f"file name {name!r} has nothing usable in it")
    return _shortened(base, MAX_UPLOAD_NAME)


def _shortened(name: str, limit: int) -> str:
    """``name`` cut to at most ``limit`` UTF-8 bytes, keeping its extension (when that is short)."""
    if len(name.encode()) <= limit:
        return name
    stem, suffix = os.path.splitext(name)
    suffix = suffix if len(suffix.encode()) <= 16 else ""
    return stem.encode()[:limit - len(suffix.encode())].decode(errors="ignore") + suffix


async def _read_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    try:
        return await request.post()
    # no boundary (ValueError), a malformed part header (HttpProcessingError), a part in an unknown charset
    # (LookupError) or transfer encoding (aiohttp raises RuntimeError)
    except (ValueError, HttpProcessingError, LookupError, RuntimeError) as refused:
        raise error(400, f"the form cannot be read: {getattr(refused, 'message', None) or refused}") from None


@dataclass(frozen=True)
class _Upload:
    """A form's uploaded file and where it goes (``type``, ``subfolder``, ``overwrite`` as ComfyUI names them)."""

    data: bytes
    name: str
    target: Path
    kind: str
    subfolder: str
    overwrite: bool


async def _received(request: web.Request, fields: tuple[str, ...]) -> tuple[_Upload, MultiDictProxy[Any]]:
    wanted = " or ".join(repr(f) for f in fields)
    if not request.content_type.startswith("multipart/"):
        raise error(400, f"upload as multipart/form-data with a file field {wanted}")
    form = await _read_form(request)
    upload = next((form[f] for f in fields if isinstance(form.get(f), web.FileField)), None)
    if not isinstance(upload, web.FileField):
        raise error(400, f"no file field {wanted} in the form")
    kind, subfolder = str(form.get("type", "input")), str(form.get("subfolder", ""))
    check_name(subfolder, status=400)
    name = _clean_name(upload.filename or "upload")
    try:
        target = request.app[EXECUTOR].paths.resolve(kind, name, subfolder)
    except PathOutsideFolder as refused:
        raise error(400, str(refused)) from None
    overwrite = str(form.get("overwrite", "false")).lower() == "true"
    return _Upload(upload.file.read(), name, target, kind, subfolder, overwrite), form


def _stored(upload: _Upload, target: Path) -> web.Response:
    return respond({"name": target.name, "subfolder": upload.subfolder, "type": upload.kind})


async def post_upload(request: web.Request) -> web.Response:
    upload, form = await _received(request, ("image", "file"))
    if "image" in form:
        await asyncio.to_thread(_check_image, upload.data, upload.name)
    return _stored(upload, await asyncio.to_thread(_store_upload, upload.target, upload.data, upload.overwrite))


async def post_upload_mask(request: web.Request) -> web.Response:
    """A mask painted over an uploaded image: the mask's alpha becomes the original's, saved under the mask's
    name (ComfyUI's /upload/mask: field 'image', and 'original_ref' = {"filename", "subfolder", "type"})."""
    upload, form = await _received(request, ("image",))
    await asyncio.to_thread(_check_image, upload.data, upload.name)
    try:
        ref = json.loads(str(form.get("original_ref", "")))
        original = request.app[EXECUTOR].paths.resolve(str(ref.get("type", "input")), str(ref["filename"]),
                                                       str(ref.get("subfolder", "")))
    except (ValueError, KeyError, AttributeError, TypeError):
        raise error(400, "'original_ref' must be JSON {\"filename\", \"subfolder\", \"type\"}") from None
    except PathOutsideFolder as refused:
        raise error(400, str(refused)) from None
    if not original.is_file():
        raise error(404, f"no original image {ref['filename']!r}")
    data = await asyncio.to_thread(_masked, original, upload.data)
    return _stored(upload, await asyncio.to_thread(_store_upload, upload.target, data, upload.overwrite))


def _masked(original: Path, mask: bytes) -> bytes:
    """The original image (PNG, RGBA) with the alpha channel of ``mask`` (scaled to its size)."""
    try:
        with Image.open(original) as source, Image.open(io.BytesIO(mask)) as painted:
            if source.width * source.height > MAX_IMAGE_PIXELS:
                raise error(413, f"the original is {source.width}x{source.height}: too many pixels")
            result = source.convert("RGBA")
            alpha = painted.convert("RGBA").getchannel("A").resize(result.size)
            result.putalpha(alpha)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as refused:
        raise error(400, f"the original image cannot be read: {refused}") from None
    out = io.BytesIO()
    result.save(out, format="PNG")
    return out.getvalue()


def _store_upload(target: Path, data: bytes, overwrite: bool) -> Path:
    """Write ``data`` at ``target``, or at the first free ``name (n).ext``: the name is claimed with an
    exclusive create, so concurrent uploads of one name never overwrite each other."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite:
        stem, suffix, counter = target.stem, target.suffix, 1
        while True:
            try:
                os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                break
            except FileExistsError:
                target = target.with_name(f"{stem} ({counter}){suffix}")
                counter += 1
    atomic_write_bytes(target, data)
    return target


def _check_image(data: bytes, name: str) -> None:
    """Refuse what is not an image, and decompression bombs, from the header alone."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as refused:
        raise error(400, f"{name!r} is not a readable image: {refused}") from None
    if width * height > MAX_IMAGE_PIXELS:
        raise error(413, f"{name!r} is {width}x{height}: more than {MAX_IMAGE_PIXELS:,} pixels")


async def post_workflow_import(request: web.Request) -> web.Response:
    """Any workflow the CLI reads (v1/v2, a ComfyUI API prompt, or an output file with one embedded:
    PNG, MP4, MKV, WebM) as a current-version document, so the editor never migrates formats itself."""
    executor = request.app[EXECUTOR]
    if request.content_type.startswith("multipart/"):
        upload = (await _read_form(request)).get("file")
        if not isinstance(upload, web.FileField):
            raise error(400, "no file field 'file' in the form")
        name = upload.filename or "upload"
        text = await asyncio.to_thread(_embedded_text, executor, upload.file.read(), name)
    else:
        name, text = "body", json.dumps(await read_json(request))
    try:
        workflow = Workflow.from_json(text, executor.registry, source=name)
    except WorkflowError as refused:
        raise error(400, str(refused)) from None
    return respond({"workflow": workflow.to_dict()})


def _embedded_text(executor: Executor, data: bytes, name: str) -> str:
    """The workflow text of an uploaded file, read from a private temporary copy."""
    with tempfile.TemporaryDirectory(prefix="wg-import-") as folder:
        path = Path(folder) / _clean_name(name)
        path.write_bytes(data)
        try:
            return read_text(path, executor.registry)
        except WorkflowError as refused:
            raise error(400, str(refused)) from None


async def list_templates(request: web.Request) -> web.Response:
    names = sorted(p.name for p in TEMPLATES.glob("*.json")) if TEMPLATES.is_dir() else []
    return respond(names)


async def get_template(request: web.Request) -> web.StreamResponse:
    path = inside(TEMPLATES, request.match_info["file"])
    if not path.is_file() or path.suffix != ".json":
        raise error(404, "no such template")
    return web.FileResponse(path)


ROUTES = [
    Route("GET", "/view", get_view, "A file of the output, input or temp folder (Range requests supported)"),
    Route("POST", "/upload/image", post_upload, "Upload an image (multipart field 'image')"),
    Route("POST", "/upload/mask", post_upload_mask, "Upload a mask: its alpha put on 'original_ref' (ComfyUI's shape)"),
    Route("POST", "/upload/file", post_upload, "Upload audio, video or a workflow (multipart field 'file')"),
    Route("POST", "/workflow/import", post_workflow_import,
          "Any workflow (JSON body, or multipart 'file': JSON, PNG or video with one embedded) as a current document"),
    Route("GET", "/templates", list_templates, "Workflows shipped with Worldgraph"),
    Route("GET", "/templates/{file}", get_template, "One shipped workflow"),
]
