"""ComfyUI's wire protocol as Worldgraph speaks it: one builder per WebSocket message type, each declaring the
JSON Schema of its data beside it, and the HTTP shapes ComfyUI clients read (queue and history items,
``node_errors``). ``message_schema()`` collects the declarations; ``python -m webserver.protocol`` writes it to
``frontend/src/api/messages.schema.json``, which the editor checks every message against. ``dumps()``
(``graph.jsontext``) is the JSON text of everything the server sends: standard JSON only.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ParamSpec

from aiohttp import web

from graph import NodeExecutionError, WorkflowError, WorkflowInvalid
from graph.jsontext import dumps
from graph.jobs import CANCELLED, ERROR, INTERRUPTED, PENDING, RUNNING, SUCCESS, Job

P = ParamSpec("P")
Schema = dict[str, Any]
Message = dict[str, Any]
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "frontend" / "src" / "api" / "messages.schema.json"

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
PROMPT_ID: Schema = {"type": "string", "description": "the id POST /prompt answered for the job"}
NODE_ID: Schema = {"type": "string", "description": "a node id of the workflow (an expanded node's: 'parent/local')"}
NODE_IDS: Schema = {"type": "array", "items": NODE_ID}
TIMESTAMP: Schema = {"type": "integer", "description": "milliseconds since the epoch"}
OPEN_OBJECT: Schema = {"type": "object", "additionalProperties": True}


def obj(properties: dict[str, Schema], optional: Sequence[str] = (), description: str | None = None) -> Schema:
    """An object with exactly ``properties``, all of them required but ``optional``."""
    schema: Schema = {"type": "object", "properties": properties,
                      "required": [name for name in properties if name not in optional],
                      "additionalProperties": False}
    return {"description": description, **schema} if description else schema


#: message type -> (what it says, the schema of its data), in declaration order
_DECLARED: dict[str, tuple[str, Schema]] = {}


def _message(kind: str, description: str, data: Schema) -> Callable[[Callable[P, Message]], Callable[P, Message]]:
    """Declare a WebSocket message type: the decorated function builds its data, described by ``data``."""
    _DECLARED[kind] = (description, data)

    def declare(build: Callable[P, Message]) -> Callable[P, Message]:
        @functools.wraps(build)
        def message(*args: P.args, **kwargs: P.kwargs) -> Message:
            return {"type": kind, "data": build(*args, **kwargs)}

        return message

    return declare


def _now() -> int:
    return int(time.time() * 1000)


# ---- WebSocket messages ------------------------------------------------------------------------------
@_message("status", "The queue's length: to every client whenever a job starts or ends, and to each client as it "
          "connects (only then with its sid)",
          obj({"status": obj({"exec_info": obj({"queue_remaining": {
              "type": "integer", "description": "pending jobs plus the running one"}})}),
               "sid": {"type": "string", "description": "this connection's client id (given or generated)"}},
              optional=("sid",)))
def status(queue_remaining: int, sid: str | None = None) -> Message:
    data: Message = {"status": {"exec_info": {"queue_remaining": queue_remaining}}}
    return data if sid is None else {**data, "sid": sid}


@_message("execution_start", "A job started running",
          obj({"timestamp": TIMESTAMP,
               "planned": {"type": "integer", "description": "how many nodes the run may execute (Worldgraph's)"},
               "prompt_id": PROMPT_ID}))
def execution_start(prompt_id: str, planned: int) -> Message:
    return {"timestamp": _now(), "planned": planned, "prompt_id": prompt_id}


@_message("execution_cached", "Nodes whose results came from the cache (they will not run)",
          obj({"nodes": NODE_IDS, "timestamp": TIMESTAMP, "prompt_id": PROMPT_ID}))
def execution_cached(prompt_id: str, nodes: Sequence[str]) -> Message:
    return {"nodes": list(nodes), "timestamp": _now(), "prompt_id": prompt_id}


@_message("executing", "A node started running; node null: the job is done (execution_success follows)",
          obj({"node": {"type": ["string", "null"], "description": "the node, or null when the job is done"},
               "display_node": NODE_ID, "prompt_id": PROMPT_ID}, optional=("display_node",)))
def executing(prompt_id: str, node: str | None) -> Message:
    if node is None:
        return {"node": None, "prompt_id": prompt_id}
    return {"node": node, "display_node": node, "prompt_id": prompt_id}


@_message("progress", "A running node's progress",
          obj({"value": NUMBER, "max": {"type": "number", "description": "0 when the node does not know"},
               "node": NODE_ID, "prompt_id": PROMPT_ID}))
def progress(prompt_id: str, node: str, value: float, maximum: float | None) -> Message:
    return {"value": value, "max": maximum or 0, "node": node, "prompt_id": prompt_id}


@_message("progress_state", "The state of every node of the job that started so far (ComfyUI's message): sent "
          "when one starts, progresses, finishes or fails",
          obj({"prompt_id": PROMPT_ID, "nodes": {**OPEN_OBJECT, "description": "node id -> {value, max, state "
                                                  "(running, finished, error), node_id, display_node_id, "
                                                  "real_node_id, parent_node_id, prompt_id}"}}))
def progress_state(prompt_id: str, nodes: Mapping[str, Mapping[str, Any]]) -> Message:
    return {"prompt_id": prompt_id, "nodes": {node_id: dict(state) for node_id, state in nodes.items()}}


def node_state(prompt_id: str, node_id: str, state: str, value: float = 0.0, maximum: float = 1.0) -> dict[str, Any]:
    """One node's entry of ``progress_state``."""
    parent = node_id.rsplit("/", 1)[0] if "/" in node_id else None
    return {"value": value, "max": maximum, "state": state, "node_id": node_id, "display_node_id": node_id,
            "real_node_id": node_id, "parent_node_id": parent, "prompt_id": prompt_id}


@_message("executed", "An output node finished, with what the editor shows of it",
          obj({"node": NODE_ID, "display_node": NODE_ID,
               "output": {**OPEN_OBJECT, "description": "the node's UI payload: images, videos, audio (file "
                          "references for /view), text, or a custom node's own keys"},
               "prompt_id": PROMPT_ID}))
def executed(prompt_id: str, node: str, output: Mapping[str, Any]) -> Message:
    return {"node": node, "display_node": node, "output": dict(output), "prompt_id": prompt_id}


@_message("execution_success", "The job finished; every output it asked for was produced",
          obj({"timestamp": TIMESTAMP, "prompt_id": PROMPT_ID}))
def execution_success(prompt_id: str) -> Message:
    return {"timestamp": _now(), "prompt_id": prompt_id}


@_message("execution_error", "A node failed; the job stops (what ran before stays cached)",
          obj({"node_id": NODE_ID, "node_type": {"type": "string", "description": "the node's class"},
               "executed": {**NODE_IDS, "description": "the nodes that ran before the failure"},
               "exception_message": STRING, "exception_type": STRING,
               "traceback": {"type": "array", "items": STRING}, "current_inputs": OPEN_OBJECT,
               "current_outputs": OPEN_OBJECT, "prompt_id": PROMPT_ID}))
def execution_error(prompt_id: str, error: NodeExecutionError) -> Message:
    return {"node_id": error.node_id, "node_type": error.class_type, "executed": list(error.executed),
            "exception_message": error.message, "exception_type": error.exception_type,
            "traceback": [error.traceback], "current_inputs": {}, "current_outputs": {}, "prompt_id": prompt_id}


@_message("execution_interrupted", "The job stopped on request (POST /interrupt, or the server shutting down)",
          obj({"node_id": {"type": ["string", "null"], "description": "where it stopped, when at a node"},
               "executed": NODE_IDS, "prompt_id": PROMPT_ID}))
def execution_interrupted(prompt_id: str, node_id: str | None, executed: Sequence[str]) -> Message:
    return {"node_id": node_id, "executed": list(executed), "prompt_id": prompt_id}


def message_schema() -> Schema:
    """The JSON Schema of every message the server sends on ``/ws``."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Worldgraph WebSocket messages",
            "oneOf": [obj({"type": {"const": kind}, "data": data}, description=description)
                      for kind, (description, data) in _DECLARED.items()]}


def schema_text() -> str:
    """``message_schema()`` as the committed file holds it."""
    return json.dumps(message_schema(), indent=2) + "\n"


# ---- JSON text ---------------------------------------------------------------------------------------
def respond(data: Any, status: int = 200) -> web.Response:
    """A JSON response of ``data`` (``dumps``: standard JSON only)."""
    return web.json_response(data, status=status, dumps=dumps)


# ---- HTTP shapes -------------------------------------------------------------------------------------
def queue_item(job: Job) -> list[Any]:
    """A job as ComfyUI lists it in the queue and the history: ``[number, id, prompt, extra, outputs]``."""
    return [job.number, job.id, job.workflow, {"client_id": job.client_id}, job.outputs or []]


def history_entry(job: Job) -> dict[str, Any]:
    result = job.result or {}
    return {"prompt": queue_item(job), "outputs": result.get("outputs", {}),
            "status": {"status_str": job.status, "completed": job.status == SUCCESS,
                       "messages": [[job.status, result.get("error") or {}]]},
            "meta": {"executed": result.get("executed", []), "cached": result.get("cached", []),
                     "seconds": result.get("seconds")}}


# ---- ComfyUI's jobs API (/api/jobs) -----------------------------------------------------------------
#: a job's status as the jobs API names it (an interrupted or cancelled job is an error there, as in ComfyUI)
_JOB_STATUS = {PENDING: "pending", RUNNING: "in_progress", SUCCESS: "completed", ERROR: "error",
               INTERRUPTED: "error", CANCELLED: "error"}
JOB_STATUSES = ("pending", "in_progress", "completed", "error")
JOB_SORT_KEYS = ("created_at", "execution_time")
_PREVIEWABLE = ("images", "video", "videos", "audio", "gifs")


def outputs_summary(outputs: Mapping[str, Any]) -> tuple[int, dict[str, Any] | None]:
    """How many files ``outputs`` (a history entry's) names, and the one to preview: the first saved output of a
    previewable kind, else the first previewable one; each with its ``nodeId`` and ``mediaType``."""
    count, first, saved = 0, None, None
    for node_id, ui in outputs.items():
        for media, items in (ui.items() if isinstance(ui, Mapping) else ()):
            if media == "animated" or not isinstance(items, list):
                continue
            count += len(items)
            for item in items:
                if media not in _PREVIEWABLE or not isinstance(item, Mapping):
                    continue
                entry = {**item, "nodeId": node_id, "mediaType": media}
                first = first or entry
                if saved is None and item.get("type") == "output":
                    saved = entry
    return count, saved or first


def job_summary(job: Job, whole: bool = False) -> dict[str, Any]:
    """``job`` as ComfyUI's jobs API lists it; ``whole`` adds its outputs, prompt and extra data."""
    result = job.result or {}
    outputs = result.get("outputs", {})
    count, preview = outputs_summary(outputs)
    failure = result.get("error") or {}
    summary: dict[str, Any] = {
        "id": job.id, "status": _JOB_STATUS.get(job.status, "error"), "priority": job.number,
        "create_time": round(job.created * 1000),
        "execution_time": (job.finished - job.started) if job.finished and job.started else None,
        "error_message": (failure.get("exception_message") or failure.get("message")
                          or ("interrupted" if job.status == INTERRUPTED else None)),
        "outputs_count": count, "preview_output": preview,
    }
    if whole:
        summary |= {"outputs": outputs, "prompt": job.workflow, "extra_data": {"client_id": job.client_id}}
    return summary


def job_page(jobs: list[dict[str, Any]], statuses: Sequence[str], sort_by: str, newest_first: bool,
             limit: int | None, offset: int) -> dict[str, Any]:
    """A page of job summaries: those of ``statuses`` (all when empty), sorted, ``limit`` after ``offset``."""
    chosen = [job for job in jobs if not statuses or job["status"] in statuses]
    key = "create_time" if sort_by == "created_at" else "execution_time"
    chosen.sort(key=lambda job: job[key] or 0, reverse=newest_first)
    page = chosen[offset:] if limit is None else chosen[offset:offset + limit]
    return {"jobs": page, "pagination": {"offset": offset, "limit": limit, "total": len(chosen),
                                         "has_more": offset + len(page) < len(chosen)}}


def node_errors(invalid: WorkflowInvalid) -> dict[str, Any]:
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


def prompt_refused(error: WorkflowError) -> dict[str, Any]:
    """The 400 body of ``POST /prompt`` for a prompt that cannot run: invalid, or not a workflow at all."""
    if isinstance(error, WorkflowInvalid):
        return {"error": {"type": "prompt_outputs_failed_validation", "message": str(error), "details": "",
                          "extra_info": {}},
                "node_errors": node_errors(error), "errors": [e.to_dict() for e in error.errors]}
    return {"error": {"type": "invalid_prompt", "message": str(error), "details": "", "extra_info": {}},
            "node_errors": {}}


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text())
    print(f"wrote {SCHEMA_FILE}")
