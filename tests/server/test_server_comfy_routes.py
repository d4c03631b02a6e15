"""The routes ComfyUI's frontend and packs call besides prompts: settings (saved atomically, kept across
restarts), users, translations, the v2 user-file listing, model folders and files, safetensors metadata (from the
header alone), embeddings, releasing memory and the recent log lines."""

from __future__ import annotations

import json
import logging
import struct
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from serverkit import run_async, serve

from webserver.keys import EXECUTOR


@run_async
async def test_settings_are_saved_and_read_back_one_or_all(make_app, tmp_path):
    async with serve(make_app()) as client:
        assert await (await client.get("/settings")).json() == {}
        assert (await client.post("/api/settings", json={"Comfy.Theme": "dark", "Comfy.Zoom": 1.5})).status == 200
        assert (await client.post("/settings/Comfy.Zoom", json=2)).status == 200
        assert await (await client.get("/settings")).json() == {"Comfy.Theme": "dark", "Comfy.Zoom": 2}
        assert await (await client.get("/settings/Comfy.Theme")).json() == "dark"
        assert await (await client.get("/settings/Unset")).json() is None
        assert (await client.post("/settings", json=[1, 2])).status == 400
    saved = json.loads((tmp_path / "user" / "comfy.settings.json").read_text())
    assert saved == {"Comfy.Theme": "dark", "Comfy.Zoom": 2}
    async with serve(make_app()) as client:  # a restart keeps them
        assert await (await client.get("/settings/Comfy.Zoom")).json() == 2
    (tmp_path / "user" / "comfy.settings.json").write_text("{broken")
    async with serve(make_app()) as client:  # a damaged file is refused, never overwritten
        assert (await client.post("/settings", json={"a": 1})).status == 409
    assert (tmp_path / "user" / "comfy.settings.json").read_text() == "{broken"


@run_async
async def test_users_translations_and_the_v2_user_listing(make_app, tmp_path):
    (tmp_path / "user" / "workflows").mkdir(parents=True)
    (tmp_path / "user" / "workflows" / "walk.json").write_text("{}")
    async with serve(make_app()) as client:
        assert await (await client.get("/users")).json() == {"storage": "server", "migrated": True}
        assert await (await client.get("/api/i18n")).json() == {}
        [folder] = await (await client.get("/api/v2/userdata")).json()
        assert folder["name"] == "workflows" and folder["type"] == "directory"
        [walk] = await (await client.get("/v2/userdata", params={"path": "workflows"})).json()
        assert walk["path"] == "workflows/walk.json" and walk["type"] == "file" and walk["size"] == 2
        assert (await client.get("/v2/userdata", params={"path": "../.."})).status == 400


def safetensors_file(path: Path, metadata: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({"w": np.zeros(4, np.float32)}, str(path), metadata=metadata)


@run_async
async def test_model_folders_files_and_safetensors_metadata(make_app, tmp_path):
    safetensors_file(tmp_path / "models" / "world" / "tiny.safetensors", {"fps": "10"})
    (tmp_path / "models" / "world" / "notes.txt").write_text("not a model")
    (tmp_path / "models" / "world" / "bad.safetensors").write_bytes(struct.pack("<Q", 2**40) + b"{}")
    async with serve(make_app()) as client:
        assert await (await client.get("/models")).json() == ["world"]
        assert await (await client.get("/api/models/world")).json() == ["bad.safetensors", "tiny.safetensors"]
        assert (await client.get("/models/loras")).status == 404
        meta = await client.get("/view_metadata/world", params={"filename": "tiny.safetensors"})
        assert await meta.json() == {"fps": "10"}
        bad = await client.get("/view_metadata/world", params={"filename": "bad.safetensors"})
        assert bad.status == 400 and "claims" in (await bad.json())["error"]["message"]
        assert (await client.get("/view_metadata/world", params={"filename": "notes.txt"})).status == 400
        assert (await client.get("/view_metadata/world", params={"filename": "gone.safetensors"})).status == 404
        assert (await client.get("/view_metadata/world", params={"filename": "../../x"})).status == 400
        assert await (await client.get("/embeddings")).json() == []


@run_async
async def test_free_releases_the_memory_cache_and_logs_show_recent_lines(make_app):
    app = make_app()
    store = app[EXECUTOR].store
    async with serve(app) as client:
        store.put("probe/value", np.ones(1000), tier="memory")
        assert (await client.post("/free", json={"free_memory": False})).status == 200
        assert store.get("probe/value") is not None
        assert (await client.post("/api/free", json={"unload_models": True, "free_memory": True})).status == 200
        assert store.get("probe/value") is None
        logging.getLogger("worldgraph.test").warning("a line to find")
        assert "a line to find" in await (await client.get("/internal/logs")).json()
        raw = await (await client.get("/internal/logs/raw")).json()
        assert raw["entries"][-1]["m"] == "WARNING worldgraph.test: a line to find\n"
