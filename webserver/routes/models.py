"""Model files as ComfyUI clients ask for them: the folders under ``ROOT/models`` and the files in each, a
safetensors file's metadata (read from its header only: nothing is loaded or unpickled), text embeddings (none:
no backend here encodes text with them), releasing cached memory, and the server's recent log lines."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import struct
import threading
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from webserver.keys import CONFIG, EXECUTOR
from webserver.protocol import respond
from webserver.routing import Route
from webserver.security import check_name, error, inside, read_json

#: a safetensors header larger than this is refused (the format allows 100 MB; real metadata is kilobytes)
MAX_HEADER_BYTES = 16 * 2**20
MODEL_SUFFIXES = (".safetensors", ".sft", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".onnx")


def _models(request: web.Request) -> Path:
    return request.app[CONFIG].root / "models"


def _folder(request: web.Request) -> Path:
    check_name(request.match_info["folder"])
    folder = inside(_models(request), request.match_info["folder"])
    if not folder.is_dir():
        raise error(404, f"no model folder {request.match_info['folder']!r} (the folders: GET /models)")
    return folder


async def get_embeddings(request: web.Request) -> web.Response:
    return respond([])


async def get_model_folders(request: web.Request) -> web.Response:
    base = _models(request)
    folders = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if base.is_dir() else []
    return respond(folders)


async def get_model_files(request: web.Request) -> web.Response:
    folder = _folder(request)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() in MODEL_SUFFIXES and not p.name.startswith("."))
    return respond(files)


def read_safetensors_metadata(path: Path) -> dict[str, Any]:
    """The ``__metadata__`` of a safetensors file's header; ValueError when it is not one."""
    with path.open("rb") as file:
        prefix = file.read(8)
        if len(prefix) < 8:
            raise ValueError("too short for a safetensors header")
        (size,) = struct.unpack("<Q", prefix)
        if size > MAX_HEADER_BYTES:
            raise ValueError(f"its header claims {size} bytes (more than {MAX_HEADER_BYTES})")
        header = json.loads(file.read(size))
    if not isinstance(header, dict):
        raise ValueError("its header is not a JSON object")
    metadata = header.get("__metadata__", {})
    return metadata if isinstance(metadata, dict) else {}


async def get_view_metadata(request: web.Request) -> web.Response:
    folder, name = _folder(request), request.query.get("filename", "")
    if not name:
        raise error(400, "'filename' is required")
    path = inside(folder, name)
    if not path.is_file():
        raise error(404, f"no file {name!r} in {request.match_info['folder']!r}")
    if path.suffix.lower() not in (".safetensors", ".sft"):
        raise error(400, f"{name!r} is not a safetensors file: only those carry readable metadata")
    try:
        return respond(await asyncio.to_thread(read_safetensors_metadata, path))
    except (OSError, ValueError) as refused:
        raise error(400, f"{name!r}: {refused}") from None


async def post_free(request: web.Request) -> web.Response:
    """Release the server process's in-memory cache (``free_memory`` or ``unload_models``); the disk cache stays."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise error(400, "the body is a JSON object such as {\"free_memory\": true}")
    if body.get("free_memory") or body.get("unload_models"):
        request.app[EXECUTOR].store.memory.clear()
    return respond({})


class RecentLog(logging.Handler):
    """The last ``size`` log records of the ``worldgraph`` loggers, for ``/internal/logs``."""

    def __init__(self, size: int = 1000) -> None:
        super().__init__(logging.INFO)
        self.records: collections.deque[tuple[float, str]] = collections.deque(maxlen=size)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.created, self.format(record)))


_RECENT = RecentLog()
_INSTALLING = threading.Lock()


def recent_log() -> RecentLog:
    """The process's one recent-log handler, attached to the ``worldgraph`` logger on first use."""
    with _INSTALLING:
        logger = logging.getLogger("worldgraph")
        if _RECENT not in logger.handlers:
            logger.addHandler(_RECENT)
            if logger.level == logging.NOTSET or logger.level > logging.INFO:
                logger.setLevel(logging.INFO)
    return _RECENT


async def get_logs(request: web.Request) -> web.Response:
    return respond("\n".join(line for _, line in recent_log().records))


async def get_logs_raw(request: web.Request) -> web.Response:
    entries = [{"t": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) + f".{int(t % 1 * 1000):03d}",
                "m": line + "\n"} for t, line in recent_log().records]
    return respond({"entries": entries, "size": {"cols": 120, "rows": 40}})


ROUTES = [
    Route("GET", "/embeddings", get_embeddings, "Text embeddings (none)"),
    Route("GET", "/models", get_model_folders, "The model folders under ROOT/models"),
    Route("GET", "/models/{folder}", get_model_files, "The model files in one folder"),
    Route("GET", "/view_metadata/{folder}", get_view_metadata, "A safetensors file's metadata (filename=...)"),
    Route("POST", "/free", post_free, "Release the in-memory cache ({'free_memory': true} or 'unload_models')"),
    Route("GET", "/internal/logs", get_logs, "The server's recent log lines, as one text"),
    Route("GET", "/internal/logs/raw", get_logs_raw, "The server's recent log lines, with their times"),
]
