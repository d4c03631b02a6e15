"""What the server is told at start: where it listens, its folders, token, limits and custom node packs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graph.packs import PackOptions
from graph.workers import WorkerLimits

VERSION = "0.1.0"
#: file descriptors kept free beside connections: asyncio accepts up to 128 sockets in one go before any of
#: them can be refused, up to 32 refused ones wait for their clients to close (``edge.MAX_LINGERING``), and
#: files, the job database and worker pipes need some too
FD_HEADROOM = 192


def connection_cap(open_files: int | None = None) -> int:
    """The default connection cap: at most 1000, and ``FD_HEADROOM`` under the soft limit on open files
    (``open_files``; default: this process's ``RLIMIT_NOFILE``), so connections never exhaust descriptors."""
    if open_files is None:
        open_files = _open_file_limit()
    return max(8, min(1000, open_files - FD_HEADROOM))


def _open_file_limit() -> int:
    """This process's soft limit on open files (a large number where there is none)."""
    try:
        import resource
    except ImportError:  # Windows: no such limit on sockets
        return 1 << 20
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return 1 << 20 if soft == resource.RLIM_INFINITY else soft


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
    #: run jobs on a Ray cluster (``local``, ``auto`` or an address; ``docs/cluster.md``) instead of worker
    #: processes of this one; ``cluster_cpus`` sizes a ``local`` one
    cluster: str | None = None
    cluster_cpus: int | None = None
    #: jobs that may run at once on the cluster (one job actor each)
    cluster_jobs: int = 1
    #: False (``--cache-none``): every node runs every time, nothing is kept between jobs
    reuse_cache: bool = True
    #: the most nodes a queued prompt may have, and the seconds its check may take
    max_prompt_nodes: int = 10_000
    check_seconds: float = 10.0
    #: seconds a request's headers may take, from its first byte (a new connection's first request: from
    #: the connection); later a 408 and the connection closes
    header_timeout: float = 10.0
    #: seconds a request's body may take once its handler runs, plus one for every ``body_min_rate`` bytes
    #: received (a large upload at a fair rate finishes; a trickle does not)
    body_timeout: float = 30.0
    body_min_rate: int = 100_000
    #: seconds an idle keep-alive connection stays open
    keepalive_timeout: float = 30.0
    #: open connections at most; one more is answered 503 and closed
    max_connections: int = field(default_factory=connection_cap)

    def check(self) -> None:
        if self.isolation not in ("process", "thread"):
            raise SystemExit(f"isolation {self.isolation!r} is not one of: process, thread")
        local = self.host in ("127.0.0.1", "localhost", "::1")
        if not local and not self.token and not self.insecure_no_token:
            raise SystemExit(f"refusing to listen on {self.host} without a token: pass --token or set "
                             "WORLDGRAPH_TOKEN (or --insecure-no-token-i-understand-anyone-can-run-code)")
        for name in ("header_timeout", "body_timeout", "body_min_rate", "keepalive_timeout", "max_connections"):
            if not getattr(self, name) > 0:
                raise SystemExit(f"{name} must be positive, not {getattr(self, name)!r}")

    @property
    def allowed_hosts(self) -> set[str]:
        return {name.lower() for name in ("127.0.0.1", "localhost", "[::1]", self.host, *self.extra_hosts)}
