"""The one error hierarchy of the graph layer.

Every error says what was expected and what was found, and where: a node id, its class and the
input concerned, so a person (or the editor) can point at the exact widget or socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class WorkflowError(Exception):
    """Base of every error the graph layer raises on purpose."""


class WorkflowFormatError(WorkflowError):
    """A workflow file or document is not a workflow we can read."""

    def __init__(self, message: str, path: str = "") -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class RegistryError(WorkflowError):
    """A node class or socket type cannot be registered."""


@dataclass(frozen=True)
class ValidationError:
    """One problem found while validating a workflow; many are reported together.

    ``node_id`` is ``None`` for problems of the workflow as a whole (e.g. no output node).
    """

    message: str
    node_id: str | None = None
    class_type: str | None = None
    input: str | None = None
    kind: str = "invalid"

    def __str__(self) -> str:
        if self.node_id is None:
            return self.message
        where = f"node {self.node_id}"
        if self.class_type:
            where += f" ({self.class_type})"
        if self.input is not None:
            where += f": input '{self.input}'"
        return f"{where}: {self.message}" if self.input is None else f"{where} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "class_type": self.class_type,
            "input": self.input,
            "kind": self.kind,
            "message": self.message,
            "text": str(self),
        }


class WorkflowInvalid(WorkflowError):
    """Validation found problems; all of them are in ``errors``."""

    def __init__(self, errors: list[ValidationError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  - {error}" for error in errors)
        super().__init__(f"workflow is invalid ({len(errors)} problem(s)):\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:  # crosses process boundaries (the validator)
        return (type(self), (self.errors,))

    def by_node(self) -> dict[str | None, list[ValidationError]]:
        grouped: dict[str | None, list[ValidationError]] = {}
        for error in self.errors:
            grouped.setdefault(error.node_id, []).append(error)
        return grouped


@dataclass
class NodeExecutionError(WorkflowError):
    """A node raised while running. Nothing it produced is cached or reported as complete."""

    node_id: str
    class_type: str
    message: str
    exception_type: str
    traceback: str
    executed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"node {self.node_id} ({self.class_type}) failed: {self.exception_type}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:  # crosses process boundaries (supervised workers)
        return (type(self), (self.node_id, self.class_type, self.message, self.exception_type, self.traceback,
                             list(self.executed)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "class_type": self.class_type,
            "message": self.message,
            "exception_type": self.exception_type,
            "traceback": self.traceback,
            "executed": list(self.executed),
        }


class Interrupted(WorkflowError):
    """A run was interrupted on request, at a node boundary or a progress tick."""

    def __init__(self, node_id: str | None = None, executed: list[str] | None = None) -> None:
        self.node_id = node_id
        self.executed = executed or []
        where = f" at node {node_id}" if node_id else ""
        super().__init__(f"interrupted{where}")
