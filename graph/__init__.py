"""Worldgraph's graph layer: node API, workflow format, validation, cached executor, CLI.

Knows nothing about worlds or media. Typical use::

    from graph import Workflow, create_executor

    executor = create_executor(".")                     # built-in nodes + installed packs
    workflow = Workflow.load("workflows/hello.json", executor.registry)
    workflow.set_input("Width", "value", 320)           # node id, title or class name
    result = executor.run(workflow)
    print(result.files)                                 # {node_id: [paths written]}
"""

from .errors import (Interrupted, NodeExecutionError, RegistryError, ValidationError, WorkflowError,
                     WorkflowFormatError, WorkflowInvalid)
from .events import (Event, EventSink, Interrupt, NodeCached, NodeDone, NodeFailed, NodeMessage, NodeProgress,
                     NodeStarted, RunDone, RunInterrupted, RunResult, RunStarted)
from .executor import Executor
from .node import (CONTEXT_ITEMS, MISSING, Bool, Choice, Expand, Float, Input, Int, Node, NodeResult,
                   NodeSchema, Output, Ref, Seed, Socket, String, SubNode)
from .outputs import OutputFiles
from .paths import PathOutsideFolder, Paths
from .packs import PackOptions, PackReports, load_packs, load_registry
from .registry import NodeRegistry
from .runtime import create_executor
from .store import ContentStore, DiskTier, MemoryTier, Tier
from .types import ANY, AUDIO, BOOLEAN, COMBO, FLOAT, IMAGE, INT, LATENT, STRING, VIDEO, WORLD
from .validation import Plan, check, plan
from .workflow import CURRENT_VERSION, Link, Workflow, WorkflowNode

__all__ = [
    "ANY", "AUDIO", "BOOLEAN", "COMBO", "CONTEXT_ITEMS", "CURRENT_VERSION", "FLOAT", "IMAGE", "INT",
    "LATENT", "MISSING", "STRING", "VIDEO", "WORLD",
    "Bool", "Choice", "ContentStore", "DiskTier", "Event", "EventSink", "Executor",
    "Expand", "Float", "Input", "Int", "Interrupt", "Interrupted", "Link", "MemoryTier", "Node",
    "NodeCached", "NodeDone", "NodeExecutionError", "NodeFailed", "NodeMessage", "NodeProgress", "NodeRegistry",
    "NodeResult", "NodeSchema", "NodeStarted", "Output", "OutputFiles", "PackOptions", "PackReports",
    "PathOutsideFolder", "Paths", "Plan", "Ref", "RegistryError", "RunDone", "RunInterrupted", "RunResult",
    "RunStarted", "Seed", "Socket", "String", "SubNode", "Tier", "ValidationError", "Workflow", "WorkflowError",
    "WorkflowFormatError", "WorkflowInvalid", "WorkflowNode", "check", "create_executor", "load_packs",
    "load_registry", "plan",
]
