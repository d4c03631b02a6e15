"""Checking a queued prompt away from the server's event loop, in a process it can kill.

``check_prompt`` is the whole check of a ``POST /prompt`` body: standard JSON, a ``prompt`` that is a
workflow (or a ComfyUI API prompt) of at most ``max_nodes`` nodes, valid against the registry —
including packs' own ``VALIDATE_INPUTS``, which may hang or take the process down. ``Validator`` runs it
in a forked process with a time limit: a check that overruns or kills its process is refused with a
reason, and the process is replaced.
"""

from __future__ import annotations

import logging
import queue
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Protocol

from .. import jsontext
from ..errors import WorkflowError, WorkflowInvalid
from ..registry import NodeRegistry
from ..validation import plan_good_outputs
from ..workflow import Workflow
from .process import ChildProcess, describe_exit, requests

log = logging.getLogger("worldgraph.workers")


class PromptRefused(Exception):
    """The body is not a prompt we accept (not JSON, no ``prompt``, too big, or its check failed)."""


@dataclass(frozen=True)
class CheckedPrompt:
    """A valid prompt: its workflow normalised and serialised, and the body's other fields."""

    workflow_json: str
    outputs: list[str] | None
    fields: dict[str, Any] = field(default_factory=dict)
    #: the outputs left out because they cannot run (the others run, as in ComfyUI); None: none left out
    refused: WorkflowInvalid | None = None


def _node_count(prompt: Any) -> int:
    nodes = prompt.get("nodes") if isinstance(prompt, dict) and "nodes" in prompt else prompt
    return len(nodes) if isinstance(nodes, (dict, list)) else 0


def _targets(body: dict[str, Any]) -> list[str] | None:
    """The output nodes to run: ``outputs``, or ComfyUI's name for it, ``partial_execution_targets`` (None: all)."""
    given = {name: body[name] for name in ("outputs", "partial_execution_targets") if body.get(name) is not None}
    for name, targets in given.items():
        if not (isinstance(targets, list) and all(isinstance(t, str) for t in targets)):
            raise PromptRefused(f"'{name}' must be a list of node ids")
    if len(given) == 2 and given["outputs"] != given["partial_execution_targets"]:
        raise PromptRefused("'outputs' and 'partial_execution_targets' name different nodes; give one of them")
    return next(iter(given.values()), None)


def check_prompt(registry: NodeRegistry, text: str | bytes, max_nodes: int) -> CheckedPrompt:
    """Raises ``PromptRefused`` for a body that is not a prompt, ``WorkflowError`` for an invalid one."""
    try:
        body = jsontext.loads(text) if text else {}
    except jsontext.JsonRefused as refused:
        raise PromptRefused(f"the body is refused: {refused}") from None
    if not isinstance(body, dict) or "prompt" not in body:
        raise PromptRefused("expected a JSON object with a 'prompt' (a workflow or a ComfyUI API prompt)")
    count = _node_count(body["prompt"])
    if count > max_nodes:
        raise PromptRefused(f"the prompt has {count} nodes; at most {max_nodes} are accepted")
    outputs = _targets(body)
    workflow = Workflow.from_dict(body["prompt"], registry, source="prompt")
    runnable, left_out = plan_good_outputs(workflow, registry, outputs)
    fields = {key: value for key, value in body.items() if key != "prompt"}
    return CheckedPrompt(jsontext.dumps(workflow.to_dict()), runnable.targets if left_out else outputs, fields,
                         left_out)


class PromptChecker(Protocol):
    """What the server checks prompts with: ``Validator`` or ``InlineValidator``."""

    def start(self) -> None: ...
    def close(self) -> None: ...
    def check(self, text: str | bytes) -> CheckedPrompt: ...


class InlineValidator:
    """``check_prompt`` in the calling thread: no time limit, no protection from a pack (``thread`` isolation)."""

    def __init__(self, registry: NodeRegistry, max_nodes: int) -> None:
        self.registry, self.max_nodes = registry, max_nodes

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def check(self, text: str | bytes) -> CheckedPrompt:
        return check_prompt(self.registry, text, self.max_nodes)


class Validator:
    """``check_prompt`` in ``processes`` supervised processes, each check within ``seconds``: as many checks
    at once as there are processes (a hanging check holds up only its own)."""

    def __init__(self, registry: NodeRegistry, max_nodes: int, seconds: float, processes: int = 2) -> None:
        self.registry, self.max_nodes, self.seconds = registry, max_nodes, seconds
        self._processes = [ChildProcess(f"worldgraph-validator-{n}", self._serve) for n in range(processes)]
        self._free: queue.SimpleQueue[ChildProcess] = queue.SimpleQueue()

    def start(self) -> None:
        for process in self._processes:
            process.start()
            self._free.put(process)

    def close(self) -> None:
        for process in self._processes:
            process.stop(grace=1.0)

    def check(self, text: str | bytes) -> CheckedPrompt:
        """Blocking (call it from a thread). Raises ``PromptRefused`` or ``WorkflowError``."""
        process = self._free.get()
        try:
            return self._check_in(process, text)
        finally:
            self._free.put(process)

    def _check_in(self, process: ChildProcess, text: str | bytes) -> CheckedPrompt:
        if not process.alive():
            process.restart()
        process.send(text)
        received, answer = process.receive(self.seconds)
        if received:
            kind, value = answer
            if kind == "ok":
                return value  # type: ignore[no-any-return]
            raise value
        cause = (f"took longer than {self.seconds:g} s (a node's VALIDATE_INPUTS may hang)"
                 if process.alive() else f"ended the validator ({describe_exit(process.exitcode)})")
        log.error("checking a prompt %s; restarting the validator", cause)
        process.restart()
        raise PromptRefused(f"checking the prompt {cause}")

    def _serve(self, conn: Connection) -> None:
        for text in requests(conn):
            try:
                answer: tuple[str, Any] = ("ok", check_prompt(self.registry, text, self.max_nodes))
            except (PromptRefused, WorkflowError) as refused:
                answer = ("refused", refused)
            except BaseException as error:  # a pack's VALIDATE_INPUTS raising anything at all
                answer = ("refused", PromptRefused(f"checking the prompt failed: {type(error).__name__}: {error}"))
            try:
                conn.send(answer)
            except Exception:  # an error that does not pickle: its text does
                conn.send(("refused", PromptRefused(str(answer[1]))))
