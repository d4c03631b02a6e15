"""``live.client`` against a stand-in server on a real socket, for what today's server does not send yet: audio
messages and notes of unknown types are passed over, a binary message that is not a frame is an error; and the
server URL becomes the live socket's."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
import numpy as np
import pytest
from aiohttp import web

from live.client import LiveClient, LiveError, live_url
from live.protocol import pack_frame
from live.session import LiveFrame


def frame_message(frame: int, input_seq: int = 0) -> bytes:
    pixels = np.full((18, 32, 3), 40 * frame % 256, np.uint8)
    return LiveFrame(frame, frame / 10, (1.0, 2.0, 3.0, 90.0, 0.0), input_seq, pixels).message()


async def stand_in(request: web.Request) -> web.WebSocketResponse:
    """Greets, answers a start with ready, then sends what a newer server might between two frames."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_json({"type": "hello", "max_size": [1280, 720], "sessions": 0, "max_sessions": 2})
    start = json.loads((await ws.receive()).data)
    await ws.send_json({"type": "ready", "fps": 10, "frame": 0, "size": start["size"], "backend": "stand-in",
                        "extra": "ignored"})
    await ws.send_bytes(frame_message(0))
    await ws.send_json({"type": "stats", "dropped": 0})  # a note this client does not know
    await ws.send_bytes(pack_frame({"type": "audio", "time": 0.0, "rate": 48000}, b"\x00" * 64))
    await ws.send_bytes(frame_message(1))
    await ws.send_bytes(b"\x00\x00")  # not a frame message at all
    await ws.send_bytes(frame_message(2))
    await ws.receive()
    return ws


@pytest.fixture
def stand_in_url() -> Iterator[str]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    app = web.Application()
    app.router.add_get("/live", stand_in)
    runner = web.AppRunner(app)

    listening = socket.create_server(("127.0.0.1", 0))

    async def begin() -> None:
        await runner.setup()
        await web.SockSite(runner, listening).start()

    asyncio.run_coroutine_threadsafe(begin(), loop).result(10)
    port = listening.getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_audio_and_unknown_notes_are_passed_over_and_a_stray_binary_is_an_error(stand_in_url: str) -> None:
    with LiveClient(stand_in_url, timeout=10) as live:
        ready = live.start({"nodes": {}}, "1", (32, 18))
        assert ready.backend == "stand-in" and ready.size == (32, 18)
        frames = [live.next_frame(), live.next_frame()]
        assert [f.frame for f in frames] == [0, 1] and frames[1].pixels.shape == (18, 32, 3)
        assert frames[0].pose == (1.0, 2.0, 3.0, 90.0, 0.0) and frames[1].time == 0.1
        assert [header["type"] for header, _ in live.audio] == ["audio"]
        with pytest.raises(LiveError, match="a binary message that is not a frame"):
            live.next_frame()
        assert live.next_frame().frame == 2  # the error was raised once; the session goes on


def test_a_server_url_becomes_its_live_socket() -> None:
    assert live_url("http://127.0.0.1:8188") == "ws://127.0.0.1:8188/live"
    assert live_url("https://example.org/api/") == "wss://example.org/api/live"
    assert live_url("ws://localhost:8188/live") == "ws://localhost:8188/live"
    with pytest.raises(ValueError, match="a server URL is"):
        live_url("localhost:8188")


def test_a_server_that_is_not_there_is_a_live_error() -> None:
    with pytest.raises(LiveError, match=r"cannot connect to ws://127\.0\.0\.1:9/live"):
        LiveClient("http://127.0.0.1:9", timeout=5)


