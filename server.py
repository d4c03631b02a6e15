"""Worldgraph's HTTP + WebSocket server (aiohttp).

``create_app(config)`` builds the application; ``python server.py`` or ``worldgraph serve`` runs it.
Routes answer at ``/`` and ``/api/``, in the shapes ComfyUI clients expect where they overlap.
Handlers stay thin: validation, execution, the queue and files live in the graph layer.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import platform
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from multidict import MultiDictProxy
from PIL import Image, UnidentifiedImageError

from graph import (Event, Executor, Interrupt, Interrupted, NodeCached, NodeDone, NodeExecutionError, NodeFailed,
                   NodeProgress, NodeStarted, PathOutsideFolder, RunDone, RunStarted, Workflow, WorkflowError,
                   WorkflowInvalid, create_executor, load_registry, plan)
from graph.comfy.object_info import node_info, object_info
from graph.files import atomic_write_bytes
from graph.jobs import ERROR, INTERRUPTED, SUCCESS, Job, JobStore, QueueFull
from graph.packs import PackOptions, PackReports, content_type, extension_file, listing, load_packs, scripts
from graph.packs import add_arguments as add_pack_arguments
from graph.packs import from_arguments as pack_options
from graph.paths import resolve_inside
from graph.workflow import read_text

log = logging.getLogger("worldgraph.server")
VERSION = "0.1.0"
MAX_BODY = 64 * 2**20
MAX_JSON_DEPTH = 64
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8188
    root: Path = field(default_factory=Path.cwd)
    token: str | None = None
    insecure_no_token: bool = False
    max_pending: int = 1000
    max_history: int = 10_000
    extra_hosts: tuple[str, ...] = ()
    #: custom node packs to load (None: none; ``worldgraph serve`` loads ROOT/custom_nodes)
    packs: PackOptions | None = None

    def check(self) -> None:
        local = self.host in ("127.0.0.1", "localhost", "::1")
        if not local and not self.token and not self.insecure_no_token:
            raise SystemExit(f"refusing to listen on {self.host} without a token: pass --token or set "
                             "WORLDGRAPH_TOKEN (or --insecure-no-token-i-understand-anyone-can-run-code)")

    @property
    def allowed_hosts(self) -> set[str]:
        return {name.lower() for name in ("127.0.0.1", "localhost", "[::1]", self.host, *self.extra_hosts)}


EXECUTOR = web.AppKey("executor", Executor)
JOBS = web.AppKey("jobs", JobStore)
CONFIG = web.AppKey("config", Config)
PACKS = web.AppKey("packs", PackReports)


class Hub:
    """WebSocket clients by client id; events for a prompt go to its client, status to everyone."""

    def __init__(self) -> None:
        self.clients: dict[str, set[web.WebSocketResponse]] = {}

    async def send(self, message: dict[str, Any], client_id: str | None = None) -> None:
        ids = [client_id] if client_id else list(self.clients)
        text = json.dumps(message, default=repr)
        for owner in ids:
            for ws in list(self.clients.get(owner, ())):
                try:
                    await ws.send_str(text)
                except (ConnectionError, RuntimeError):
                    self.clients.get(owner, set()).discard(ws)


class Worker:
    """Runs queued jobs one at a time in a thread; events go back to the loop for the hub."""

    def __init__(self, app: web.Application, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop
        self.wake = threading.Event()
        self.stopping = False
        self.interrupt = Interrupt()
        self.current: Job | None = None
        self.thread = threading.Thread(target=self.run, name="worldgraph-worker", daemon=True)

    def publish(self, message: dict[str, Any], client_id: str | None) -> None:
        clients = self.app[HUB].clients
        if (client_id is None and not clients) or (client_id is not None and not clients.get(client_id)):
            return  # nobody listens: spare the loop
        asyncio.run_coroutine_threadsafe(self.app[HUB].send(message, client_id), self.loop)

    def status(self) -> None:
        remaining = self.app[JOBS].pending_count() + (1 if self.current else 0)
        self.publish({"type": "status", "data": {"status": {"exec_info": {"queue_remaining": remaining}}}}, None)

    def run(self) -> None:
        jobs = self.app[JOBS]
        while not self.stopping:
            job = jobs.claim()
            if job is None:
                self.wake.wait(0.5)
                self.wake.clear()
                continue
            self.interrupt.clear()  # before the job is visible, so no interrupt for it can be lost
            self.current = job
            self.status()
            try:
                status, result = self.execute(job)
                jobs.finish(job.id, status, result)
            except Exception as error:  # a broken node or payload must not stop the queue
                log.exception("job %s failed outside its nodes", job.id)
                jobs.finish(job.id, ERROR, {"error": {"message": f"{type(error).__name__}: {error}"}, "outputs": {}})
            self.current = None
            self.status()

    def execute(self, job: Job) -> tuple[str, dict[str, Any]]:
        executor = self.app[EXECUTOR]
        sink = _EventForwarder(self, job)
        try:
            workflow = Workflow.from_dict(job.workflow, executor.registry)
            result = executor.run(workflow, job.outputs, on_event=sink, interrupt=self.interrupt, run_id=job.id)
        except NodeExecutionError as error:
            return ERROR, {"error": error.to_dict(), "outputs": sink.outputs}
        except Interrupted as interrupted:
            return INTERRUPTED, {"node_id": interrupted.node_id, "executed": interrupted.executed,
                                 "outputs": sink.outputs}
        except WorkflowError as error:  # the registry changed since the job was queued
            return ERROR, {"error": {"message": str(error)}, "outputs": {}}
        return SUCCESS, {"outputs": {k: dict(v) for k, v in result.ui.items()}, "executed": result.executed,
                         "cached": result.cached, "seconds": result.seconds}


HUB = web.AppKey("hub", Hub)
WORKER = web.AppKey("worker", Worker)


class _EventForwarder:
    """Graph events in ComfyUI's WebSocket message shapes."""

    def __init__(self, worker: Worker, job: Job) -> None:
        self.worker, self.job = worker, job
        self.outputs: dict[str, Any] = {}

    def send(self, kind: str, data: dict[str, Any]) -> None:
        self.worker.publish({"type": kind, "data": {**data, "prompt_id": self.job.id}}, self.job.client_id)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.send("execution_start", {"timestamp": int(time.time() * 1000), "planned": event.planned})
        elif isinstance(event, NodeCached):
            self.send("execution_cached", {"nodes": [event.node_id], "timestamp": int(time.time() * 1000)})
        elif isinstance(event, NodeStarted):
            self.send("executing", {"node": event.node_id, "display_node": event.node_id})
        elif isinstance(event, NodeProgress):
            self.send("progress", {"value": event.value, "max": event.maximum or 0, "node": event.node_id})
        elif isinstance(event, NodeDone) and event.ui:
            self.outputs[event.node_id] = dict(event.ui)
            self.send("executed", {"node": event.node_id, "display_node": event.node_id, "output": dict(event.ui)})
        elif isinstance(event, NodeFailed):
            error = event.error
            self.send("execution_error", {"node_id": error.node_id, "node_type": error.class_type,
                                          "executed": error.executed, "exception_message": error.message,
                                          "exception_type": error.exception_type, "traceback": [error.traceback],
                                          "current_inputs": {}, "current_outputs": {}})
        elif isinstance(event, RunDone):
            self.send("executing", {"node": None})
            self.send("execution_success", {"timestamp": int(time.time() * 1000)})
        elif hasattr(event, "executed"):  # RunInterrupted
            self.send("execution_interrupted", {"node_id": getattr(event, "node_id", None), "executed":
                                                list(getattr(event, "executed", ()))})


# ---- middlewares --------------------------------------------------------------------------------
_STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@web.middleware
async def security(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Host allow-list (DNS rebinding), Origin check on state changes and WebSocket upgrades, token."""
    config = request.app[CONFIG]
    netloc = (request.host or "").lower()
    if _hostname(netloc) not in config.allowed_hosts:
        raise _error(403, f"host {request.host!r} is not allowed")
    origin = request.headers.get("Origin")
    upgrading = request.headers.get("Upgrade", "").lower() == "websocket"
    if origin is not None and (request.method in _STATE_CHANGING or upgrading):
        match = re.fullmatch(r"https?://([^/]+)", origin.lower())
        if match is None or not _same_server(_with_port(match.group(1), origin), _with_port(netloc, str(request.url)),
                                             config.allowed_hosts):
            raise _error(403, f"requests from origin {origin!r} are refused (only this server's own pages)")
    if config.token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or \
            request.query.get("token", "")
        if not secrets.compare_digest(given.encode(), config.token.encode()):
            raise _error(401, "a valid token is required (Authorization: Bearer <token>)")
    return await handler(request)


def _hostname(netloc: str) -> str:
    """``"[::1]:8188"`` -> ``"[::1]"``, ``"localhost:8188"`` -> ``"localhost"``."""
    if netloc.startswith("["):
        return netloc.split("]", 1)[0] + "]"
    return netloc.rsplit(":", 1)[0] if ":" in netloc else netloc


def _same_server(origin: str, server: str, allowed: set[str]) -> bool:
    """An origin is this server when it names one of the server's own host names and its port."""
    return origin.rsplit(":", 1)[1] == server.rsplit(":", 1)[1] and origin.rsplit(":", 1)[0] in allowed


def _with_port(netloc: str, url: str) -> str:
    """``netloc`` with its port made explicit (80/443 by scheme), for same-origin comparison."""
    host = _hostname(netloc)
    port = netloc[len(host) + 1:] if len(netloc) > len(host) else ("443" if url.startswith("https") else "80")
    return f"{host}:{port}"


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:  # never crash the server: report and carry on
        log.exception("unhandled error in %s %s", request.method, request.path)
        return web.json_response({"error": {"type": "internal", "message": "internal error; see the server log"}},
                                 status=500)


def _error(status: int, message: str, **extra: Any) -> web.HTTPException:
    body = json.dumps({"error": {"message": message, **extra}})
    classes = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden, 404: web.HTTPNotFound,
               409: web.HTTPConflict, 413: web.HTTPRequestEntityTooLarge, 429: web.HTTPTooManyRequests}
    if status == 413:
        return web.HTTPRequestEntityTooLarge(MAX_BODY, MAX_BODY + 1, text=body, content_type="application/json")
    return classes[status](text=body, content_type="application/json")


def _depth(value: Any) -> int:
    """Nesting depth of a JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


async def _json(request: web.Request) -> Any:
    try:
        text = await request.text()
    except (UnicodeDecodeError, LookupError) as error:
        raise _error(400, f"the body is not text in a known encoding: {error}") from None
    if len(text) > MAX_BODY:
        raise _error(413, "request body too large")
    try:
        value = json.loads(text) if text else {}
    except (json.JSONDecodeError, RecursionError) as error:
        raise _error(400, f"the body is not valid JSON: {error}") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise _error(400, f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
    return value


# ---- prompts and the queue ----------------------------------------------------------------------
def _node_errors(invalid: WorkflowInvalid) -> dict[str, Any]:
    """Validation errors in ComfyUI's ``node_errors`` shape (and ours beside them)."""
    grouped: dict[str, Any] = {}
    for error in invalid.errors:
        if error.node_id is None:
            continue
        entry = grouped.setdefault(error.node_id, {"errors": [], "dependent_outputs": [],
                                                   "class_type": error.class_type})
        entry["errors"].append({"type": error.kind, "message": str(error), "details": error.message,
                                "extra_info": {"input_name": error.input}})
    return grouped


async def post_prompt(request: web.Request) -> web.Response:
    body = await _json(request)
    if not isinstance(body, dict) or "prompt" not in body:
        raise _error(400, "expected a JSON object with a 'prompt' (a workflow or a ComfyUI API prompt)")
    executor = request.app[EXECUTOR]
    try:
        workflow = Workflow.from_dict(body["prompt"], executor.registry, source="prompt")
        outputs = body.get("outputs")
        if outputs is not None and not (isinstance(outputs, list) and all(isinstance(o, str) for o in outputs)):
            raise _error(400, "'outputs' must be a list of node ids")
        plan(workflow, executor.registry, outputs)  # pure CPU, about 0.1 ms: not worth a thread hop
    except WorkflowInvalid as invalid:
        return web.json_response({"error": {"type": "prompt_outputs_failed_validation", "message": str(invalid),
                                            "details": "", "extra_info": {}},
                                  "node_errors": _node_errors(invalid),
                                  "errors": [e.to_dict() for e in invalid.errors]}, status=400)
    except WorkflowError as error:
        return web.json_response({"error": {"type": "invalid_prompt", "message": str(error), "details": "",
                                            "extra_info": {}}, "node_errors": {}}, status=400)
    client_id = body.get("client_id") if isinstance(body.get("client_id"), str) else None
    try:
        job = await asyncio.to_thread(request.app[JOBS].enqueue, workflow.to_dict(), outputs, client_id,
                                      body.get("front") is True)
    except QueueFull as full:
        raise _error(429, str(full)) from None
    request.app[WORKER].wake.set()
    return web.json_response({"prompt_id": job.id, "number": job.number, "node_errors": {}})


async def get_prompt(request: web.Request) -> web.Response:
    pending = await asyncio.to_thread(request.app[JOBS].pending_count)
    running = 1 if request.app[WORKER].current else 0
    return web.json_response({"exec_info": {"queue_remaining": pending + running}})


def _queue_item(job: Job) -> list[Any]:
    return [job.number, job.id, job.workflow, {"client_id": job.client_id}, job.outputs or []]


async def get_queue(request: web.Request) -> web.Response:
    running, pending = await asyncio.to_thread(request.app[JOBS].queue)
    return web.json_response({"queue_running": [_queue_item(j) for j in running],
                              "queue_pending": [_queue_item(j) for j in pending]})


async def _clear_or_delete(request: web.Request, remove: Callable[[list[str] | None], int]) -> web.Response:
    """``{"clear": true}`` removes everything, ``{"delete": [ids]}`` those jobs (ComfyUI's shapes)."""
    body = await _json(request)
    removed = 0
    if isinstance(body, dict) and body.get("clear"):
        removed += await asyncio.to_thread(remove, None)
    if isinstance(body, dict) and isinstance(body.get("delete"), list):
        removed += await asyncio.to_thread(remove, [str(i) for i in body["delete"]])
    return web.json_response({"removed": removed})


async def post_queue(request: web.Request) -> web.Response:
    return await _clear_or_delete(request, request.app[JOBS].cancel)


async def post_interrupt(request: web.Request) -> web.Response:
    body = await _json(request)
    worker = request.app[WORKER]
    wanted = body.get("prompt_id") if isinstance(body, dict) else None
    current = worker.current
    if current is not None and (wanted is None or wanted == current.id):
        worker.interrupt.request()
        return web.json_response({"interrupted": current.id})
    return web.json_response({"interrupted": None})


def _history_entry(job: Job) -> dict[str, Any]:
    result = job.result or {}
    return {"prompt": _queue_item(job), "outputs": result.get("outputs", {}),
            "status": {"status_str": job.status, "completed": job.status == SUCCESS,
                       "messages": [[job.status, result.get("error") or {}]]},
            "meta": {"executed": result.get("executed", []), "cached": result.get("cached", []),
                     "seconds": result.get("seconds")}}


async def get_history(request: web.Request) -> web.Response:
    try:
        limit = int(request.query.get("max_items", "0")) or None
    except ValueError:
        raise _error(400, "'max_items' must be an integer") from None
    history = await asyncio.to_thread(request.app[JOBS].history, limit)
    return web.json_response({job.id: _history_entry(job) for job in history})


async def get_history_item(request: web.Request) -> web.Response:
    job = await asyncio.to_thread(request.app[JOBS].get, request.match_info["prompt_id"])
    if job is None:
        raise _error(404, f"no prompt {request.match_info['prompt_id']!r}")
    if job.result is None:
        return web.json_response({})  # queued or running: not in the history yet (ComfyUI answers {})
    return web.json_response({job.id: _history_entry(job)})


async def post_history(request: web.Request) -> web.Response:
    return await _clear_or_delete(request, request.app[JOBS].delete_history)


# ---- nodes, files, system -------------------------------------------------------------------------
async def get_object_info(request: web.Request) -> web.Response:
    return web.json_response(object_info(request.app[EXECUTOR].registry))


async def get_object_info_one(request: web.Request) -> web.Response:
    registry = request.app[EXECUTOR].registry
    name = request.match_info["class"]
    if name not in registry:
        raise _error(404, f"unknown node class {name!r}{registry.suggest(name)}")
    return web.json_response({name: node_info(registry, name)})


async def get_view(request: web.Request) -> web.StreamResponse:
    paths = request.app[EXECUTOR].paths
    query = request.query
    try:
        path = paths.resolve(query.get("type", "output"), query.get("filename", ""), query.get("subfolder", ""))
    except PathOutsideFolder as refused:
        raise _error(400, str(refused)) from None
    if not path.is_file():
        raise _error(404, "no such file")
    return web.FileResponse(path)  # answers Range requests, so video seeks


_SAFE_NAME = re.compile(r"[^\w.\- ()]+")


def _clean_name(name: str) -> str:
    base = _SAFE_NAME.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    if not base:
        raise _error(400, f"file name {name!r} has nothing usable in it")
    return base[:200]


async def _read_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    try:
        return await request.post()
    except ValueError as error:  # e.g. a multipart type without its boundary
        raise _error(400, f"the form cannot be read: {error}") from None


async def post_upload(request: web.Request) -> web.Response:
    if not request.content_type.startswith("multipart/"):
        raise _error(400, "upload as multipart/form-data with a file field 'image' or 'file'")
    form = await _read_form(request)
    upload = form.get("image") or form.get("file")
    if not isinstance(upload, web.FileField):
        raise _error(400, "no file field 'image' or 'file' in the form")
    kind = str(form.get("type", "input"))
    subfolder = str(form.get("subfolder", ""))
    overwrite = str(form.get("overwrite", "false")).lower() == "true"
    paths = request.app[EXECUTOR].paths
    name = _clean_name(upload.filename or "upload")
    try:
        target = paths.resolve(kind, name, subfolder)
    except PathOutsideFolder as refused:
        raise _error(400, str(refused)) from None
    data = upload.file.read()
    if "image" in form:
        await asyncio.to_thread(_check_image, data, name)
    target = await asyncio.to_thread(_store_upload, target, data, overwrite)
    return web.json_response({"name": target.name, "subfolder": subfolder, "type": kind})


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


def _memory() -> tuple[int, int]:
    """(total, available) bytes from /proc/meminfo (0, 0 where there is none)."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
        return int(fields["MemTotal"].split()[0]) * 1024, int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return 0, 0


MAX_IMAGE_PIXELS = 64_000_000


def _check_image(data: bytes, name: str) -> None:
    """Refuse what is not an image, and decompression bombs, from the header alone."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise _error(400, f"{name!r} is not a readable image: {error}") from None
    if width * height > MAX_IMAGE_PIXELS:
        raise _error(413, f"{name!r} is {width}x{height}: more than {MAX_IMAGE_PIXELS:,} pixels")


async def get_system_stats(request: web.Request) -> web.Response:
    total, free = _memory()
    return web.json_response({
        "system": {"os": platform.system().lower(), "python_version": platform.python_version(),
                   "worldgraph_version": VERSION, "embedded_python": False, "ram_total": total, "ram_free": free,
                   "cpu_count": os.cpu_count()},
        "devices": [{"name": "cpu", "type": "cpu", "index": 0, "vram_total": 0, "vram_free": 0}],
    })


async def get_features(request: web.Request) -> web.Response:
    return web.json_response({"supports_preview_metadata": False, "max_upload_size": MAX_BODY,
                              "embedded_workflows": True, "segment_cache": True})


# ---- custom node packs and their editor extensions ----------------------------------------------
async def get_custom_nodes(request: web.Request) -> web.Response:
    return web.json_response(listing(request.app[PACKS].reports))


async def get_extensions(request: web.Request) -> web.Response:
    return web.json_response(scripts(request.app[PACKS].reports))


async def get_extension_file(request: web.Request) -> web.StreamResponse:
    try:
        path = extension_file(request.app[PACKS].reports, request.match_info["pack"],
                              request.match_info["file"])
    except PathOutsideFolder as refused:
        raise _error(400, str(refused)) from None
    except FileNotFoundError as missing:
        raise _error(404, str(missing)) from None
    return web.FileResponse(path, headers={"Content-Type": content_type(path), "Cache-Control": "no-cache"})


# ---- saved workflows (/userdata) ------------------------------------------------------------------
def _inside(folder: Path, name: str) -> Path:
    """``name`` resolved inside ``folder``; a name that would leave it is a 400."""
    try:
        return resolve_inside(folder, name)
    except PathOutsideFolder as refused:
        raise _error(400, str(refused)) from None


def _userdata_path(request: web.Request, name: str) -> Path:
    return _inside(request.app[CONFIG].root / "user", name)


async def list_userdata(request: web.Request) -> web.Response:
    base = _userdata_path(request, request.query.get("dir", "workflows") or "workflows")
    if not base.is_dir():
        return web.json_response([])
    files = sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file() and not p.name.startswith("."))
    return web.json_response(files)


async def get_userdata(request: web.Request) -> web.StreamResponse:
    path = _userdata_path(request, request.match_info["file"])
    if not path.is_file():
        raise _error(404, "no such file")
    return web.FileResponse(path)


async def put_userdata(request: web.Request) -> web.Response:
    path = _userdata_path(request, request.match_info["file"])
    if path.exists() and request.query.get("overwrite", "true").lower() == "false":
        raise _error(409, f"{request.match_info['file']!r} exists; pass overwrite=true to replace it")
    data = await request.read()
    try:
        await asyncio.to_thread(atomic_write_bytes, path, data)
    except OSError as error:  # a folder in the way, a file where a folder should be...
        raise _error(409, f"cannot write {request.match_info['file']!r}: {error.strerror or error}") from None
    return web.json_response({"path": request.match_info["file"], "size": len(data)})


async def delete_userdata(request: web.Request) -> web.Response:
    path = _userdata_path(request, request.match_info["file"])
    if not path.is_file():
        raise _error(404, "no such file")
    path.unlink()
    return web.json_response({"deleted": request.match_info["file"]})


async def move_userdata(request: web.Request) -> web.Response:
    source = _userdata_path(request, request.match_info["file"])
    target = _userdata_path(request, request.match_info["dest"])
    if not source.is_file():
        raise _error(404, "no such file")
    if target.exists() and request.query.get("overwrite", "false").lower() != "true":
        raise _error(409, f"{request.match_info['dest']!r} exists; pass overwrite=true to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    except OSError as error:  # a folder in the way, a file where a folder should be...
        raise _error(409, f"cannot move to {request.match_info['dest']!r}: {error.strerror or error}") from None
    return web.json_response({"path": request.match_info["dest"]})


# ---- for the editor: importing workflows, templates, socket types -------------------------------------
TEMPLATES = Path(__file__).resolve().parent / "workflows"


async def post_workflow_import(request: web.Request) -> web.Response:
    """Any workflow the CLI reads (v1/v2, a ComfyUI API prompt, or an output file with one embedded:
    PNG, MP4, MKV, WebM) as a current-version document, so the editor never migrates formats itself."""
    executor = request.app[EXECUTOR]
    if request.content_type.startswith("multipart/"):
        upload = (await _read_form(request)).get("file")
        if not isinstance(upload, web.FileField):
            raise _error(400, "no file field 'file' in the form")
        name = upload.filename or "upload"
        text = await asyncio.to_thread(_embedded_text, executor, upload.file.read(), name)
    else:
        name, text = "body", json.dumps(await _json(request))
    try:
        workflow = Workflow.from_json(text, executor.registry, source=name)
    except WorkflowError as error:
        raise _error(400, str(error)) from None
    return web.json_response({"workflow": workflow.to_dict()})


def _embedded_text(executor: Executor, data: bytes, name: str) -> str:
    """The workflow text of an uploaded file, read from a private temporary copy."""
    with tempfile.TemporaryDirectory(prefix="wg-import-") as folder:
        path = Path(folder) / _clean_name(name)
        path.write_bytes(data)
        try:
            return read_text(path, executor.registry)
        except WorkflowError as error:
            raise _error(400, str(error)) from None


async def list_templates(request: web.Request) -> web.Response:
    names = sorted(p.name for p in TEMPLATES.glob("*.json")) if TEMPLATES.is_dir() else []
    return web.json_response(names)


async def get_template(request: web.Request) -> web.StreamResponse:
    path = _inside(TEMPLATES, request.match_info["file"])
    if not path.is_file() or path.suffix != ".json":
        raise _error(404, "no such template")
    return web.FileResponse(path)


async def get_socket_types(request: web.Request) -> web.Response:
    return web.json_response(request.app[EXECUTOR].registry.types.describe())


# ---- WebSocket -----------------------------------------------------------------------------------
async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=1 << 20, heartbeat=30.0)
    await ws.prepare(request)
    client_id = request.query.get("clientId") or secrets.token_hex(8)
    hub = request.app[HUB]
    hub.clients.setdefault(client_id, set()).add(ws)
    pending = await asyncio.to_thread(request.app[JOBS].pending_count)
    pending += 1 if request.app[WORKER].current else 0
    await ws.send_json({"type": "status", "data": {"status": {"exec_info": {"queue_remaining": pending}},
                                                   "sid": client_id}})
    try:
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
    finally:
        hub.clients.get(client_id, set()).discard(ws)
    return ws


# ---- the application -------------------------------------------------------------------------------
#: (method, path, handler, summary): served at /path and /api/path, and described in /openapi.json
ROUTES: list[tuple[str, str, Handler, str]] = [
    ("POST", "/prompt", post_prompt, "Validate and queue a workflow (or a ComfyUI API prompt)"),
    ("GET", "/prompt", get_prompt, "How many jobs remain"),
    ("GET", "/queue", get_queue, "Running and pending jobs"),
    ("POST", "/queue", post_queue, "Delete pending jobs ({'delete': [ids]}) or clear them ({'clear': true})"),
    ("POST", "/interrupt", post_interrupt, "Interrupt the running job (or the one with 'prompt_id')"),
    ("GET", "/history", get_history, "Finished jobs, newest first (max_items)"),
    ("POST", "/history", post_history, "Delete ({'delete': [ids]}) or clear ({'clear': true}) history"),
    ("GET", "/history/{prompt_id}", get_history_item, "One finished job; 404 for an unknown id"),
    ("GET", "/object_info", get_object_info, "Every node class"),
    ("GET", "/object_info/{class}", get_object_info_one, "One node class"),
    ("GET", "/custom_nodes", get_custom_nodes, "Custom node packs: status, errors, nodes, load times, requirements"),
    ("GET", "/extensions", get_extensions, "URLs of the editor extension scripts of loaded packs"),
    ("GET", "/extensions/{pack}/{file}", get_extension_file,
     "A file of a pack's WEB_DIRECTORY (nested paths too: /extensions/{pack}/dir/file.js)"),
    ("GET", "/view", get_view, "A file of the output, input or temp folder (Range requests supported)"),
    ("POST", "/upload/image", post_upload, "Upload an image (multipart field 'image')"),
    ("POST", "/upload/file", post_upload, "Upload audio, video or a workflow (multipart field 'file')"),
    ("GET", "/userdata", list_userdata, "Saved workflow files (dir=workflows)"),
    ("GET", "/userdata/{file}", get_userdata, "Read a saved file"),
    ("POST", "/userdata/{file}", put_userdata, "Write a saved file atomically (overwrite=false refuses)"),
    ("DELETE", "/userdata/{file}", delete_userdata, "Delete a saved file"),
    ("POST", "/userdata/{file}/move/{dest}", move_userdata, "Rename a saved file"),
    ("GET", "/system_stats", get_system_stats, "Versions and memory"),
    ("GET", "/features", get_features, "What this server supports"),
    ("POST", "/workflow/import", post_workflow_import,
     "Any workflow (JSON body, or multipart 'file': JSON, PNG or video with one embedded) as a current document"),
    ("GET", "/templates", list_templates, "Workflows shipped with Worldgraph"),
    ("GET", "/templates/{file}", get_template, "One shipped workflow"),
    ("GET", "/socket_types", get_socket_types, "Socket types: description, colour, whether a widget can hold one"),
    ("GET", "/ws", websocket, "WebSocket of execution events (clientId=...)"),
]


async def openapi(request: web.Request) -> web.Response:
    paths: dict[str, Any] = {}
    for method, path, _, summary in [*ROUTES, ("GET", "/openapi.json", openapi, "This document")]:
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in re.findall(r"{(\w+)}", path)]
        operation: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "OK"}}}
        if parameters:
            operation["parameters"] = parameters
        if method in _STATE_CHANGING and path in ("/prompt", "/queue", "/history", "/interrupt"):
            operation["requestBody"] = {"content": {"application/json": {"schema": {"type": "object"}}}}
        paths.setdefault(path, {})[method.lower()] = operation
    return web.json_response({"openapi": "3.0.3", "info": {"title": "Worldgraph", "version": VERSION},
                              "paths": paths})


EDITOR = Path(__file__).resolve().parent / "frontend" / "dist"
_LANDING = """<!doctype html><meta charset="utf-8"><title>Worldgraph</title>
<h1>Worldgraph</h1><p>The editor is not built here. The API is at <a href="/openapi.json">/openapi.json</a>
(<code>POST /prompt</code>, <code>GET /ws</code>, ...).</p>"""


async def index(request: web.Request) -> web.StreamResponse:
    """The editor's built page, or a short page pointing at the API when there is none."""
    page = EDITOR / "index.html"
    if page.is_file():
        return web.FileResponse(page)
    return web.Response(text=_LANDING, content_type="text/html")


async def _start(app: web.Application) -> None:
    jobs = app[JOBS]
    requeued = await asyncio.to_thread(jobs.recover)
    if requeued:
        log.warning("requeued %d job(s) that were running when the server stopped", len(requeued))
    for folder in (app[EXECUTOR].paths.output, app[EXECUTOR].paths.temp, app[CONFIG].root / "user"):
        for stale in folder.rglob(".wg-tmp-*") if folder.is_dir() else ():
            stale.unlink(missing_ok=True)
    worker = Worker(app, asyncio.get_running_loop())
    app[WORKER] = worker
    worker.thread.start()


async def _stop(app: web.Application) -> None:
    worker = app[WORKER]
    worker.stopping = True
    worker.interrupt.request()
    worker.wake.set()
    await asyncio.to_thread(worker.thread.join, 10.0)
    await asyncio.to_thread(app[JOBS].close)


def create_app(config: Config, executor: Executor | None = None, packs: PackReports | None = None) -> web.Application:
    """The app over ``executor`` and the reports of the packs loaded into its registry; without an
    executor, one over ``config.root`` with the packs ``config.packs`` names."""
    app = web.Application(middlewares=[security, errors], client_max_size=MAX_BODY)
    app[CONFIG] = config
    if executor is None:
        registry = load_registry()
        packs = load_packs(registry, config.packs) if config.packs is not None else packs
        executor = create_executor(config.root, registry=registry)
    app[EXECUTOR] = executor
    app[PACKS] = packs or PackReports()
    app[JOBS] = JobStore(config.root / "state" / "jobs.sqlite3", config.max_pending, config.max_history)
    app[HUB] = Hub()
    for prefix in ("", "/api"):
        for method, path, handler, _ in ROUTES:
            app.router.add_route(method, prefix + path, handler)
        app.router.add_get(prefix + "/openapi.json", openapi)
        app.router.add_get(prefix + "/extensions/{pack:[^/]+}/{file:.+}", get_extension_file)  # nested paths
    app.router.add_get("/", index)
    if (EDITOR / "assets").is_dir():
        app.router.add_static("/assets", EDITOR / "assets")
    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)
    return app


def _arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8188)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="folder of output/, input/, temp/, user/")
    parser.add_argument("--token", default=os.environ.get("WORLDGRAPH_TOKEN"))
    parser.add_argument("--insecure-no-token-i-understand-anyone-can-run-code", dest="insecure", action="store_true")
    parser.add_argument("--max-pending", type=int, default=1000, help="queued jobs before 429")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="another name clients reach this server by (e.g. its LAN address)")
    add_pack_arguments(parser)
    return parser


def serve(args: argparse.Namespace) -> int:
    config = Config(args.host, args.port, args.root.absolute(), args.token, args.insecure, args.max_pending,
                    extra_hosts=tuple(args.allow_host), packs=pack_options(args, args.root.absolute()))
    config.check()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(config), host=config.host, port=config.port)
    return 0


def add_serve_command(commands: Any) -> None:
    """The ``worldgraph serve`` subcommand (found by the CLI through an entry point)."""
    parser = commands.add_parser("serve", help="run the HTTP + WebSocket server")
    _arguments(parser).set_defaults(command=serve)


def main(argv: list[str] | None = None) -> None:
    parser = _arguments(argparse.ArgumentParser(prog="python server.py", description="Run the Worldgraph server."))
    raise SystemExit(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
