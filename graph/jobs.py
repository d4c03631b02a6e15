"""The job queue and history, in SQLite (WAL): a job acknowledged is never lost.

Every change is committed before the caller hears about it, so a queued job survives a crash of the
process; a job that was running when the process died is put back at the front of the queue at
start-up and runs again (its results are written atomically, so a half-finished run leaves nothing).
A job runs at most ``MAX_ATTEMPTS`` times: one whose runs all ended with the process running it dying
is failed for good ("poison") instead of taking the queue down again and again.
A database file deleted or replaced while the store has it open is noticed before a job is queued: SQLite
would go on writing to the deleted file, and the jobs acknowledged would be gone at the next start.
The store is used from worker threads and, through ``asyncio.to_thread``, from the server's loop.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PENDING, RUNNING, SUCCESS, ERROR, INTERRUPTED, CANCELLED = (
    "pending", "running", "success", "error", "interrupted", "cancelled")
FINISHED = (SUCCESS, ERROR, INTERRUPTED)
#: runs a job gets when the process running it dies under it: the first, and one retry
MAX_ATTEMPTS = 2

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    workflow TEXT NOT NULL,
    outputs TEXT,
    client_id TEXT,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    result TEXT
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, priority, number);
"""


def poison_result(cause: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
    """The history entry of a job failed for good after ``MAX_ATTEMPTS`` runs that ended in a crash."""
    message = f"{cause}; it is not retried again"
    return {"error": {**(error or {}), "message": message, "poison": True}, "outputs": {}}


class QueueFull(Exception):
    """The queue holds its maximum of pending jobs: the caller must retry later (HTTP 429)."""


class JobDatabaseGone(Exception):
    """The database file is no longer the one the store has open: no job can be kept (HTTP 503)."""


@dataclass(frozen=True)
class Job:
    id: str
    number: int
    status: str
    workflow: dict[str, Any]
    outputs: list[str] | None
    client_id: str | None
    created: float
    started: float | None
    finished: float | None
    attempts: int
    result: dict[str, Any] | None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _job(row: sqlite3.Row) -> Job:
    return Job(row["id"], row["number"], row["status"], json.loads(row["workflow"]),
               json.loads(row["outputs"]) if row["outputs"] else None, row["client_id"], row["created"],
               row["started"], row["finished"], row["attempts"], json.loads(row["result"]) if row["result"] else None)


class JobStore:
    def __init__(self, path: str | Path, max_pending: int = 1000, max_history: int = 10_000,
                 power_safe: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_pending = max_pending
        self.max_history = max_history
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed job survives the process being killed (the OS has the
        # log); FULL would also survive power loss, at an fsync per job.
        self._db.execute(f"PRAGMA synchronous={'FULL' if power_safe else 'NORMAL'}")
        self._db.executescript(_SCHEMA)
        self._file = _identity(self.path)
        self._gone_reported = False

    def check_file(self) -> None:
        """Raise ``JobDatabaseGone`` when the path no longer names the file opened (deleted, or replaced)."""
        if _identity(self.path) == self._file:
            return
        message = f"the job database {self.path} was deleted or replaced while the server ran; restart the server"
        if not self._gone_reported:
            self._gone_reported = True
            log.error("%s: SQLite keeps writing to the file it opened, so jobs queued now would be lost at the "
                      "next start; refusing new jobs", message)
        raise JobDatabaseGone(message)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, parameters)

    def _read(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    def recover(self) -> tuple[list[str], list[str]]:
        """At start-up: jobs left running by a crash go back to the front of the queue, unless they have had
        their ``MAX_ATTEMPTS`` runs; those fail for good. Returns (requeued ids, failed ids)."""
        rows = self._read("SELECT id, attempts FROM jobs WHERE status = ?", (RUNNING,))
        poisoned = [row["id"] for row in rows if row["attempts"] >= MAX_ATTEMPTS]
        for job_id in poisoned:
            self.finish(job_id, ERROR, poison_result(
                f"the server stopped while running this job, {MAX_ATTEMPTS} times"))
        self._write("UPDATE jobs SET status = ?, priority = -1, started = NULL WHERE status = ?", (PENDING, RUNNING))
        return [row["id"] for row in rows if row["id"] not in poisoned], poisoned

    def release(self, job_id: str) -> None:
        """Give back a claimed job that never began (the server stopped first): pending at the front, the
        claim's attempt not counted."""
        self._write("UPDATE jobs SET status = ?, priority = -1, started = NULL, attempts = attempts - 1 "
                    "WHERE id = ? AND status = ?", (PENDING, job_id, RUNNING))

    def retry(self, job_id: str) -> bool:
        """Put a job whose worker died back at the front of the queue, if it has a run left; False if not."""
        cursor = self._write("UPDATE jobs SET status = ?, priority = -1, started = NULL "
                             "WHERE id = ? AND status = ? AND attempts < ?", (PENDING, job_id, RUNNING, MAX_ATTEMPTS))
        return cursor.rowcount == 1

    def enqueue(self, workflow: dict[str, Any] | str, outputs: list[str] | None = None,
                client_id: str | None = None, front: bool = False) -> Job:
        """Queue a job (its workflow as a dict or as JSON text); committed before this returns. Raises
        ``QueueFull`` and ``JobDatabaseGone``."""
        self.check_file()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                pending = self._db.execute("SELECT COUNT(*) FROM jobs WHERE status = ?", (PENDING,)).fetchone()[0]
                if pending >= self.max_pending:
                    raise QueueFull(f"the queue is full ({pending} jobs waiting); try again later")
                number = self._db.execute("SELECT COALESCE(MAX(number), -1) + 1 FROM jobs").fetchone()[0]
                job_id = uuid.uuid4().hex
                self._db.execute(
                    "INSERT INTO jobs (id, number, priority, status, workflow, outputs, client_id, created) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (job_id, number, 0 if front else 1, PENDING,
                     workflow if isinstance(workflow, str) else json.dumps(workflow),
                     json.dumps(outputs) if outputs is not None else None, client_id, time.time()))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        job = self.get(job_id)
        assert job is not None
        return job

    def claim(self) -> Job | None:
        """The next pending job (front first, then in order), marked running."""
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE status = ? ORDER BY priority, number LIMIT 1",
                                   (PENDING,)).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE jobs SET status = ?, started = ?, attempts = attempts + 1 WHERE id = ?",
                             (RUNNING, time.time(), row["id"]))
        return self.get(row["id"])

    def finish(self, job_id: str, status: str, result: dict[str, Any]) -> None:
        self._write("UPDATE jobs SET status = ?, finished = ?, result = ? WHERE id = ?",
                    (status, time.time(), json.dumps(result, default=repr), job_id))  # any UI payload fits
        self._trim_history()

    def _trim_history(self) -> None:
        self._write(
            "DELETE FROM jobs WHERE status IN (?, ?, ?) AND id NOT IN (SELECT id FROM jobs WHERE status IN (?, ?, ?) "
            "ORDER BY number DESC LIMIT ?)", (*FINISHED, *FINISHED, self.max_history))

    def get(self, job_id: str) -> Job | None:
        rows = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _job(rows[0]) if rows else None

    def queue(self) -> tuple[list[Job], list[Job]]:
        """(running, pending) in run order."""
        running = [_job(r) for r in self._read("SELECT * FROM jobs WHERE status = ? ORDER BY number", (RUNNING,))]
        pending = [_job(r) for r in self._read("SELECT * FROM jobs WHERE status = ? ORDER BY priority, number",
                                                (PENDING,))]
        return running, pending

    def pending_count(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM jobs WHERE status = ?", (PENDING,))[0][0])

    def cancel(self, job_ids: list[str] | None = None) -> int:
        """Remove pending jobs (all of them when ``job_ids`` is None); running ones are interrupted instead."""
        if job_ids is None:
            return self._write("DELETE FROM jobs WHERE status = ?", (PENDING,)).rowcount
        marks = ",".join("?" * len(job_ids))
        return self._write(f"DELETE FROM jobs WHERE status = ? AND id IN ({marks})", (PENDING, *job_ids)).rowcount

    def history(self, limit: int | None = None, offset: int = 0) -> list[Job]:
        """Finished jobs, newest first: ``limit`` of them (None: all) after skipping ``offset``."""
        rows = self._read("SELECT * FROM jobs WHERE status IN (?, ?, ?) ORDER BY number DESC LIMIT ? OFFSET ?",
                          (*FINISHED, -1 if limit is None else limit, offset))
        return [_job(r) for r in rows]

    def all(self) -> list[Job]:
        """Every job the store holds (pending, running, finished), in the order they were queued."""
        return [_job(r) for r in self._read("SELECT * FROM jobs ORDER BY number")]

    def delete_history(self, job_ids: list[str] | None = None) -> int:
        if job_ids is None:
            return self._write("DELETE FROM jobs WHERE status IN (?, ?, ?)", FINISHED).rowcount
        marks = ",".join("?" * len(job_ids))
        return self._write(f"DELETE FROM jobs WHERE status IN (?, ?, ?) AND id IN ({marks})",
                           (*FINISHED, *job_ids)).rowcount
