"""Queue behaviour: order, 'front', deleting and clearing, limits, the history cap, a robust worker."""

from __future__ import annotations

import asyncio
import io

import aiohttp
import pytest
from PIL import Image
from serverkit import (PREFIXES, finished, hello, messages_until, post_prompt, run_async, running, serve, slow,
                       wait_until, workflow)


async def pending_ids(client, prefix: str = "") -> list[str]:
    queue = await (await client.get(f"{prefix}/queue")).json()
    return [item[1] for item in queue["queue_pending"]]


@pytest.mark.parametrize("prefix", PREFIXES)
@run_async
async def test_front_runs_before_earlier_pending_jobs(make_app, prefix):
    async with serve(make_app()) as client:
        ws = await client.ws_connect(f"{prefix}/ws?clientId=order")
        await ws.receive_json(timeout=5)
        blocker = (await post_prompt(client, slow(), prefix, client_id="order"))["prompt_id"]
        await running(client, blocker)
        a = (await post_prompt(client, hello(seed=1, prefix="a"), prefix, client_id="order"))["prompt_id"]
        b = (await post_prompt(client, hello(seed=2, prefix="b"), prefix, client_id="order"))["prompt_id"]
        c = (await post_prompt(client, hello(seed=3, prefix="c"), prefix, client_id="order", front=True))["prompt_id"]
        assert await pending_ids(client, prefix) == [c, a, b]

        queue = await (await client.get(f"{prefix}/queue")).json()
        [running_item] = queue["queue_running"]
        assert running_item[1] == blocker
        number, prompt_id, prompt, extra, outputs = queue["queue_pending"][0]
        assert prompt_id == c and isinstance(number, int)
        assert prompt["nodes"]["7"]["inputs"]["filename_prefix"] == "c"
        assert extra == {"client_id": "order"} and outputs == []

        await client.post(f"{prefix}/interrupt")
        seen = await messages_until(ws, lambda m: m["type"] == "execution_success" and m["data"]["prompt_id"] == b)
        started = [m["data"]["prompt_id"] for m in seen if m["type"] == "execution_start"]
        assert started[-3:] == [c, a, b]


@pytest.mark.parametrize("prefix", PREFIXES)
@run_async
async def test_delete_and_clear_pending_jobs(make_app, prefix):
    async with serve(make_app()) as client:
        blocker = (await post_prompt(client, slow(), prefix))["prompt_id"]
        await running(client, blocker)
        ids = [(await post_prompt(client, hello(seed=s), prefix))["prompt_id"] for s in range(3)]
        deleted = await client.post(f"{prefix}/queue", json={"delete": [ids[1], "unknown"]})
        assert await deleted.json() == {"removed": 1}
        assert await pending_ids(client, prefix) == [ids[0], ids[2]]
        assert (await client.get(f"{prefix}/history/{ids[1]}")).status == 404

        untouched = await client.post(f"{prefix}/queue", json={"delete": [blocker]})
        assert await untouched.json() == {"removed": 0}, "the running job is interrupted, not deleted"
        await running(client, blocker)

        nothing = await client.post(f"{prefix}/queue", json={})
        assert await nothing.json() == {"removed": 0}
        cleared = await client.post(f"{prefix}/queue", json={"clear": True})
        assert await cleared.json() == {"removed": 2}
        assert await pending_ids(client, prefix) == []
        assert (await client.post(f"{prefix}/queue", data=b"{oops")).status == 400

        await client.post(f"{prefix}/interrupt")
        await finished(client, blocker, prefix)
        history = await (await client.get(f"{prefix}/history")).json()
        assert list(history) == [blocker], "deleted jobs never ran"


@run_async
async def test_a_full_queue_answers_429(make_app):
    async with serve(make_app(max_pending=1)) as client:
        blocker = (await post_prompt(client, slow()))["prompt_id"]
        await running(client, blocker)
        waiting = (await post_prompt(client, hello(seed=1)))["prompt_id"]
        for prefix in PREFIXES:
            full = await post_prompt(client, hello(seed=2), prefix, expect=429)
            assert "full" in full["error"]["message"]
        assert await pending_ids(client) == [waiting]
        assert (await (await client.get("/prompt")).json())["exec_info"]["queue_remaining"] == 2

        await client.post("/queue", json={"delete": [waiting]})
        again = (await post_prompt(client, hello(seed=2)))["prompt_id"]
        await client.post("/interrupt")
        assert (await finished(client, again))["status"]["status_str"] == "success"


@run_async
async def test_a_deleted_job_database_answers_503_instead_of_losing_jobs(make_app, tmp_path):
    async with serve(make_app()) as client:
        await finished(client, (await post_prompt(client, hello()))["prompt_id"])
        database = tmp_path / "state" / "jobs.sqlite3"
        database.unlink()
        for prefix in PREFIXES:
            refused = await post_prompt(client, hello(seed=2), prefix, expect=503)
            assert refused["error"]["message"] == (f"the job database {database} was deleted or replaced while the "
                                                   f"server ran; restart the server")


@run_async
async def test_an_unwritable_cache_folder_is_warned_at_start_and_jobs_still_run(make_app, tmp_path, caplog):
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    async with serve(make_app()) as client:
        warnings = [r.getMessage() for r in caplog.records if r.name == "worldgraph.server"]
        assert warnings == [f"cache folder {tmp_path / 'cache'} is not writable (not a folder: "
                            f"{tmp_path / 'cache'}): running with the memory cache only"]
        job = (await post_prompt(client, hello()))["prompt_id"]
        assert (await finished(client, job))["status"]["status_str"] == "success"


@run_async
async def test_history_is_capped(make_app):
    async with serve(make_app(max_history=2)) as client:
        ids = []
        for seed in range(4):
            ids.append((await post_prompt(client, hello(seed=seed, prefix=f"cap{seed}")))["prompt_id"])
            await finished(client, ids[-1])
        history = await (await client.get("/history")).json()
        assert list(history) == [ids[3], ids[2]]
        for old in ids[:2]:
            assert (await client.get(f"/history/{old}")).status == 404


@run_async
async def test_jobs_run_one_at_a_time_in_order(make_app):
    async with serve(make_app()) as client:
        ws = await client.ws_connect("/ws?clientId=seq")
        await ws.receive_json(timeout=5)
        ids = [(await post_prompt(client, slow(steps=5, label=str(n)), client_id="seq"))["prompt_id"]
               for n in range(4)]
        last = ids[-1]
        seen = await messages_until(ws, lambda m: m["type"] == "execution_success" and m["data"]["prompt_id"] == last)
        order = [(m["type"], m["data"]["prompt_id"]) for m in seen
                 if m["type"] in ("execution_start", "execution_success")]
        assert order == [(kind, i) for i in ids for kind in ("execution_start", "execution_success")]
        numbers = [(await finished(client, i))["prompt"][0] for i in ids]
        assert numbers == sorted(numbers) and len(set(numbers)) == 4


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@run_async
async def test_a_bad_node_result_does_not_stop_the_worker(make_app):
    async with serve(make_app()) as client:
        odd = (await post_prompt(client, workflow({"1": {"class": "TestOddUi", "inputs": {"value": 1}}})))["prompt_id"]
        after = (await post_prompt(client, hello(seed=21)))["prompt_id"]
        entry = await finished(client, odd, timeout=2)
        assert entry["status"]["status_str"] == "success"  # the odd payload is kept as text
        assert isinstance(entry["outputs"]["1"], dict)
        assert (await finished(client, after, timeout=2))["status"]["status_str"] == "success"


def _png(red: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (red, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


@run_async
async def test_concurrent_uploads_of_one_name_keep_every_file(make_app, tmp_path):
    async with serve(make_app()) as client:
        async def send(red: int) -> str:
            form = aiohttp.FormData()
            form.add_field("image", _png(red), filename="same.png", content_type="image/png")
            response = await client.post("/upload/image", data=form)
            assert response.status == 200
            return (await response.json())["name"]

        names = await asyncio.gather(*(send(red) for red in range(8)))
        stored = sorted(p.name for p in (tmp_path / "input").iterdir())
        assert len(set(names)) == 8, names
        assert len(stored) == 8, stored


@run_async
async def test_shutdown_interrupts_the_running_job_and_keeps_the_queue(make_app, tmp_path):
    app = make_app()
    async with serve(app) as client:
        blocker = (await post_prompt(client, slow()))["prompt_id"]
        await running(client, blocker)
        waiting = (await post_prompt(client, hello(seed=4, prefix="kept")))["prompt_id"]
    # a new app over the same folder finds the pending job and runs it
    async with serve(make_app()) as client:
        assert (await finished(client, waiting))["status"]["status_str"] == "success"
        entry = await finished(client, blocker)
        assert entry["status"]["status_str"] == "interrupted"

        async def quiet() -> bool:
            queue = await (await client.get("/queue")).json()
            return queue == {"queue_running": [], "queue_pending": []}

        await wait_until(quiet, what="an empty queue")
