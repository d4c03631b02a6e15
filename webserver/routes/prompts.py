"""Prompts and the queue: queue a workflow, read and edit the queue, interrupt, and the history of finished jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from graph import WorkflowError
from graph.jobs import Job, JobDatabaseGone, QueueFull
from graph.workers import PromptRefused
from webserver import protocol
from webserver.keys import CONFIG, JOBS, VALIDATOR, WORKER
from webserver.routing import Route
from webserver.security import error, read_json, read_text


def _check_and_queue(app: web.Application, text: str) -> tuple[Job, dict[str, Any]]:
    """Check the body (in the validator's process), then queue it: blocking, one thread hop for both. Also the
    ``node_errors`` of the outputs left out because they cannot run."""
    checked = app[VALIDATOR].check(text)
    client_id = checked.fields.get("client_id")
    job = app[JOBS].enqueue(checked.workflow_json, checked.outputs, client_id if isinstance(client_id, str) else None,
                            checked.fields.get("front") is True)
    return job, protocol.node_errors(checked.refused) if checked.refused else {}


async def post_prompt(request: web.Request) -> web.Response:
    """Checked off the loop, in the validator's process (a pack's VALIDATE_INPUTS may hang or crash), where
    the body is parsed too, so a large prompt never stalls the loop; then queued."""
    text = await read_text(request)
    try:
        job, left_out = await asyncio.to_thread(_check_and_queue, request.app, text)
    except PromptRefused as refused:
        raise error(400, str(refused)) from None
    except WorkflowError as refused:
        return web.json_response(protocol.prompt_refused(refused), status=400)
    except QueueFull as full:
        raise error(429, str(full)) from None
    except JobDatabaseGone as gone:
        raise error(503, str(gone)) from None
    request.app[WORKER].wake.set()
    return web.json_response({"prompt_id": job.id, "number": job.number, "node_errors": left_out})


async def get_prompt(request: web.Request) -> web.Response:
    remaining = await asyncio.to_thread(request.app[WORKER].queue_remaining)
    return web.json_response({"exec_info": {"queue_remaining": remaining}})


async def get_queue(request: web.Request) -> web.Response:
    running, pending = await asyncio.to_thread(request.app[JOBS].queue)
    return protocol.respond({"queue_running": [protocol.queue_item(j) for j in running],
                             "queue_pending": [protocol.queue_item(j) for j in pending]})


async def _clear_or_delete(request: web.Request, remove: Callable[[list[str] | None], int]) -> web.Response:
    """``{"clear": true}`` removes everything, ``{"delete": [ids]}`` those jobs (ComfyUI's shapes)."""
    body = await read_json(request)
    removed = 0
    if isinstance(body, dict) and body.get("clear"):
        removed += await asyncio.to_thread(remove, None)
    if isinstance(body, dict) and isinstance(body.get("delete"), list):
        removed += await asyncio.to_thread(remove, [str(i) for i in body["delete"]])
    return web.json_response({"removed": removed})


async def post_queue(request: web.Request) -> web.Response:
    return await _clear_or_delete(request, request.app[JOBS].cancel)


async def post_interrupt(request: web.Request) -> web.Response:
    """Stop the running job (or the one with 'prompt_id'): at its next check, or by killing its worker after the
    grace period. Answers once it stopped, saying how: ``cooperative``, ``killed``, ``finished`` (it ended
    before the interrupt took) or ``stopping`` (still going: an in-process job with a node that never checks)."""
    body = await read_json(request)
    worker = request.app[WORKER]
    wanted = body.get("prompt_id") if isinstance(body, dict) else None
    running = worker.running()
    current = next((job for job in running if wanted in (None, job.id)), None)  # without an id: the oldest
    if current is None:
        return web.json_response({"interrupted": None})
    outcome = await asyncio.to_thread(worker.interrupt, current.id, request.app[CONFIG].limits.grace + 3.0)
    stopped = "stopping" if outcome is None else outcome.stopped or "finished"
    return web.json_response({"interrupted": current.id, "stopped": stopped})


def _count(request: web.Request, name: str, default: int | None, comfy_shape: bool = False) -> int | None:
    """The query's non-negative integer ``name`` (``default`` when absent)."""
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise error(400, f"{name} must be an integer", comfy_shape) from None
    if value < 0:
        raise error(400, f"{name} must be >= 0, not {value}", comfy_shape)
    return value


async def get_history(request: web.Request) -> web.Response:
    """ComfyUI's route, refusing bad numbers in ComfyUI's shape (``{"error": "max_items must be an integer"}``)."""
    limit = _count(request, "max_items", None, comfy_shape=True) or None
    offset = _count(request, "offset", 0, comfy_shape=True) or 0
    history = await asyncio.to_thread(request.app[JOBS].history, limit, offset)
    return protocol.respond({job.id: protocol.history_entry(job) for job in history})


async def get_jobs(request: web.Request) -> web.Response:
    statuses = [s for s in request.query.get("status", "").split(",") if s]
    unknown = sorted(set(statuses) - set(protocol.JOB_STATUSES))
    if unknown:
        raise error(400, f"status {unknown[0]!r} is not one of {', '.join(protocol.JOB_STATUSES)}")
    sort_by, order = request.query.get("sort_by", "created_at"), request.query.get("sort_order", "desc")
    if sort_by not in protocol.JOB_SORT_KEYS:
        raise error(400, f"sort_by {sort_by!r} is not one of {', '.join(protocol.JOB_SORT_KEYS)}")
    if order not in ("asc", "desc"):
        raise error(400, f"sort_order {order!r} is not 'asc' or 'desc'")
    limit, offset = _count(request, "limit", None), _count(request, "offset", 0) or 0
    jobs = [protocol.job_summary(job) for job in await asyncio.to_thread(request.app[JOBS].all)]
    return protocol.respond(protocol.job_page(jobs, statuses, sort_by, order == "desc", limit, offset))


async def get_job(request: web.Request) -> web.Response:
    job = await asyncio.to_thread(request.app[JOBS].get, request.match_info["prompt_id"])
    if job is None:
        raise error(404, f"no job {request.match_info['prompt_id']!r}")
    return protocol.respond(protocol.job_summary(job, whole=True))


async def get_history_item(request: web.Request) -> web.Response:
    job = await asyncio.to_thread(request.app[JOBS].get, request.match_info["prompt_id"])
    if job is None:
        raise error(404, f"no prompt {request.match_info['prompt_id']!r}")
    if job.result is None:
        return web.json_response({})  # queued or running: not in the history yet (ComfyUI answers {})
    return protocol.respond({job.id: protocol.history_entry(job)})


async def post_history(request: web.Request) -> web.Response:
    return await _clear_or_delete(request, request.app[JOBS].delete_history)


ROUTES = [
    Route("POST", "/prompt", post_prompt, "Validate and queue a workflow (or a ComfyUI API prompt)"),
    Route("GET", "/prompt", get_prompt, "How many jobs remain"),
    Route("GET", "/queue", get_queue, "Running and pending jobs"),
    Route("POST", "/queue", post_queue, "Delete pending jobs ({'delete': [ids]}) or clear them ({'clear': true})"),
    Route("POST", "/interrupt", post_interrupt, "Interrupt the running job (or the one with 'prompt_id')"),
    Route("GET", "/history", get_history, "Finished jobs, newest first (max_items, offset)"),
    Route("POST", "/history", post_history, "Delete ({'delete': [ids]}) or clear ({'clear': true}) history"),
    Route("GET", "/history/{prompt_id}", get_history_item, "One finished job; 404 for an unknown id"),
    Route("GET", "/jobs", get_jobs, "Every job in ComfyUI's jobs shape (status, limit, offset, sort_by, "
                                        "sort_order)"),
    Route("GET", "/jobs/{prompt_id}", get_job, "One job with its outputs and prompt; 404 for an unknown id"),
]
