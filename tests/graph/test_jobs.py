"""The job store's database file: deleted or replaced while open, it is noticed before a job is queued."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.jobs import PENDING, JobDatabaseGone, JobStore

WORKFLOW = {"nodes": {}}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "jobs.sqlite3"


@pytest.fixture
def jobs(path: Path) -> Iterator[JobStore]:
    store = JobStore(path)
    yield store
    store.close()


def test_a_deleted_database_refuses_new_jobs_and_says_why_once(jobs: JobStore, path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    assert jobs.enqueue(WORKFLOW).status == PENDING
    path.unlink()  # SQLite would go on writing to the unlinked file: the job would vanish at the next start

    expected = f"the job database {path} was deleted or replaced while the server ran; restart the server"
    for _ in range(2):
        with pytest.raises(JobDatabaseGone) as refused:
            jobs.enqueue(WORKFLOW)
        assert str(refused.value) == expected
    assert [(r.levelno, r.getMessage().startswith(expected)) for r in caplog.records] == [(logging.ERROR, True)]
    assert not path.exists()  # and nothing made a new, empty one


def test_a_replaced_database_refuses_new_jobs(jobs: JobStore, path: Path, tmp_path: Path) -> None:
    JobStore(tmp_path / "copy.sqlite3").close()
    os.replace(tmp_path / "copy.sqlite3", path)  # e.g. a backup restored under the running server
    with pytest.raises(JobDatabaseGone):
        jobs.enqueue(WORKFLOW)


def test_the_database_it_opened_keeps_taking_jobs(jobs: JobStore, path: Path) -> None:
    first = jobs.enqueue(WORKFLOW)
    jobs.close()
    reopened = JobStore(path)
    try:
        assert reopened.enqueue(WORKFLOW).number == first.number + 1
    finally:
        reopened.close()
