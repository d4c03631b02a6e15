"""What the server is told at start: where it listens, its folders, token, limits and custom node packs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graph.packs import PackOptions
from graph.workers import WorkerLimits

VERSION = "0.1.0"


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
    #: where jobs run and prompts are checked: "process" (supervised worker processes: a node cannot take the
    #: server down) or "thread" (this process, for debugging a node with a debugger)
    isolation: str = "process"
    limits: WorkerLimits = field(default_factory=WorkerLimits)
    #: the most nodes a queued prompt may have, and the seconds its check may take
    max_prompt_nodes: int = 10_000
    check_seconds: float = 10.0

    def check(self) -> None:
        if self.isolation not in ("process", "thread"):
            raise SystemExit(f"isolation {self.isolation!r} is not one of: process, thread")
        local = self.host in ("127.0.0.1", "localhost", "::1")
        if not local and not self.token and not self.insecure_no_token:
            raise SystemExit(f"refusing to listen on {self.host} without a token: pass --token or set "
                             "WORLDGRAPH_TOKEN (or --insecure-no-token-i-understand-anyone-can-run-code)")

    @property
    def allowed_hosts(self) -> set[str]:
        return {name.lower() for name in ("127.0.0.1", "localhost", "[::1]", self.host, *self.extra_hosts)}
