"""A child process forked from this one, talked to over a pipe, that can be watched, killed and replaced.

Forking (not spawning) is what makes a worker warm: the child starts with every module, node class and
pack already imported, in milliseconds. What a fork inherits that it must not use is dealt with first
thing in the child (``_detach``): the parent's sockets (listening and client connections, other
children's pipes) are closed, cyclic garbage collection stops touching the parent's objects, the terminal's
Ctrl+C is left to the parent, and the child dies with the thread that started it (Linux).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any
import contextlib

log = logging.getLogger("worldgraph.workers")
#: whether this platform can fork (not Windows): without it, jobs run in the server's own process
CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
_FORK = multiprocessing.get_context("fork" if CAN_FORK else None)
_FORKING = threading.Lock()  # one fork at a time, so no child inherits another's half-made pipe
_PR_SET_PDEATHSIG = 1

#: The body of a child: it is given its end of the pipe and returns when the parent says stop.
ChildMain = Callable[[Connection], None]


class SharedFlag:
    """A flag in memory shared with forked children, without a lock: a child killed while looking at it
    cannot leave it held (a ``multiprocessing.Event`` can). Satisfies ``graph.events.Flag``."""

    def __init__(self) -> None:
        self._value = _FORK.RawValue("b", 0)

    def set(self) -> None:
        self._value.value = 1

    def clear(self) -> None:
        self._value.value = 0

    def is_set(self) -> bool:
        return bool(self._value.value)


def requests(conn: Connection) -> Iterator[Any]:
    """In a child: each request the parent sends, until it sends None or goes away."""
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        yield request


def describe_exit(exitcode: int | None) -> str:
    """``-11`` -> ``"signal 11 (SIGSEGV)"``; a plain exit status as such."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            return f"signal {number}"
        if number == signal.SIGKILL:
            return f"signal {number} ({name}: killed, perhaps by the kernel for lack of memory)"
        return f"signal {number} ({name})"
    return f"exit status {exitcode}"


def resident_bytes(pid: int | str = "self") -> int | None:
    """The resident memory of process ``pid`` (Linux ``/proc``; ``self``: this one), or None where it cannot be
    read."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class ChildProcess:
    """One forked child running ``main``; ``restart`` replaces it after a death or a kill."""

    def __init__(self, name: str, main: ChildMain) -> None:
        self.name = name
        self.main = main
        self.process: Any = None
        self.conn: Connection | None = None
        self.started = 0

    def start(self) -> None:
        parent_end, child_end = _FORK.Pipe()
        with _FORKING:
            process = _FORK.Process(target=_child, args=(self.main, child_end), name=self.name, daemon=True)
            process.start()
            child_end.close()
        self.process, self.conn = process, parent_end
        self.started += 1

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    @property
    def exitcode(self) -> int | None:
        return self.process.exitcode if self.process is not None else None

    def send(self, message: Any) -> None:
        assert self.conn is not None, "start the child first"
        self.conn.send(message)

    def receive(self, timeout: float) -> tuple[bool, Any]:
        """``(True, message)``, or ``(False, None)`` when nothing came within ``timeout`` seconds or the
        child has gone (check ``alive``)."""
        assert self.conn is not None, "start the child first"
        try:
            if self.conn.poll(timeout):
                return True, self.conn.recv()
        except (EOFError, OSError):
            self.process.join(timeout=5)
        return False, None

    def ended(self, timeout: float) -> str | None:
        """Wait up to ``timeout`` seconds for the child to end: how it failed (``describe_exit``), or None (it
        exited well, or still runs)."""
        if self.process is not None:
            self.process.join(timeout)
        code = self.exitcode
        return describe_exit(code) if code not in (0, None) else None

    def resident_bytes(self) -> int | None:
        """The child's resident memory, or None where it cannot be read."""
        return resident_bytes(self.pid) if self.pid is not None else None

    def kill(self) -> None:
        """Kill the child now (SIGKILL: a node stuck in C code cannot ignore it) and reap it."""
        if self.process is not None and self.process.is_alive():
            self.process.kill()
        if self.process is not None:
            self.process.join(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.close_pipe()
        self.start()

    def stop(self, grace: float = 2.0) -> None:
        """Ask the child to finish (``None`` on the pipe), kill it after ``grace`` seconds."""
        if self.process is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self.send(None)
        self.process.join(timeout=grace)
        self.kill()
        self.close_pipe()

    def close_pipe(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _child(main: ChildMain, conn: Connection) -> None:
    """Run ``main``, then leave at once with ``os._exit``: the exit handlers and finalizers a fork inherits are
    the server's, not the child's to run."""
    _detach(conn)
    code = 0
    try:
        main(conn)
    except BaseException:
        log.exception("%s failed", multiprocessing.current_process().name)
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _detach(conn: Connection) -> None:
    """Let go of what the fork copied from the server (see the module docstring)."""
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(ValueError):  # not the main thread of the child: nothing was set
        signal.set_wakeup_fd(-1)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    _close_inherited_sockets(keep=conn.fileno())


def _close_inherited_sockets(keep: int) -> None:
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return  # not Linux: the sockets stay open until the child ends
    for name in names:
        fd = int(name)
        if fd in (0, 1, 2, keep):
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            continue
