"""A live session's sound: heard frame by frame as it is played, it is the GenerateAudio sound of the kept walk
(same listener, same synthesiser), in spans that follow each other without gaps, with footsteps where the feet
go down."""

from __future__ import annotations

import numpy as np
import pytest
from worldkit import SMALL, fresh_store, open_start, world_of

from live import LiveAudio, LiveSession, LiveSound, unpack
from live.protocol import Event, LiveInput
from media import synth
from media.audio import RATE
from media.pcm import PcmStream
from world import sound
from world.actions import ActionTrack
from world.edits import ChangeShot
from world.timeline import Timeline

FPS = 30


def walk(frames: int = 120) -> Timeline:
    meadow = world_of("alpine_meadow")
    return Timeline(meadow.spec, FPS, frames, 30, open_start(meadow), 0.0, ActionTrack.empty(frames))


def play(session: LiveSession, live: LiveSound, frames: int, walk_from: int = 10,
         cut_at: int | None = None) -> list[LiveAudio]:
    chunks = [chunk for chunk in [live.hear(session.walk_state)] if chunk]
    for _ in range(frames):
        if session.frame == walk_from:
            session.hold(LiveInput(seq=1, move=(1.0, 0.0, 0.0)))
        if session.frame == cut_at:
            session.trigger(Event(2, ChangeShot, {"kind": "third_person"}))
        session.tick()
        chunk = live.hear(session.walk_state)
        if chunk is not None:
            chunks.append(chunk)
    return chunks


def pcm_of(chunks: list[LiveAudio]) -> np.ndarray:
    return np.frombuffer(b"".join(c.pcm for c in chunks), "<i2").reshape(-1, 2).astype(np.float64) / 32767


@pytest.fixture(scope="module")
def played() -> tuple[Timeline, LiveSession, list[LiveAudio]]:
    original = walk()
    session = LiveSession(original, fresh_store(), SMALL)
    return original, session, play(session, LiveSound(original, fresh_store(), seed=3), 90, cut_at=50)


def test_spans_follow_each_other_and_track_the_frames_played(played: tuple[Timeline, LiveSession, list[LiveAudio]]
                                                             ) -> None:
    _, session, chunks = played
    assert [c.frame for c in chunks] == list(range(0, 90, 2))  # 2 frames a message at 30 fps
    assert {c.frames for c in chunks} == {2} and {(c.rate, c.channels) for c in chunks} == {(16_000, 2)}
    heard = 0
    for chunk in chunks:
        assert chunk.time == pytest.approx(heard / 16_000)  # no gap, no overlap
        assert chunk.time == pytest.approx(chunk.frame / FPS, abs=1 / 16_000)
        heard += chunk.samples
    assert heard == round(session.frame / FPS * 16_000)  # up to the frame shown now


def test_the_live_sound_is_the_generate_audio_sound_of_the_kept_walk(
        played: tuple[Timeline, LiveSession, list[LiveAudio]]) -> None:
    """The kept walk (the recording's actions and edits) heard offline by ``sound.scene`` and rendered whole by
    ``synth.render``, then brought to 16 kHz: the same PCM, byte for byte."""
    original, session, chunks = played
    track = session.recording.track()
    kept = Timeline(original.spec, FPS, len(track), 30, original.start, 0.0, track)
    for edit in session.recording.edits:
        kept = kept.with_edit(edit)
    scene = sound.scene(kept, fresh_store(), seed=3)
    assert [e.kind for e in scene.events].count("cut") == 1 and [e.kind for e in scene.events].count("step") > 3
    events = [synth.Event(e.time, e.kind, e.voice, e.gain, e.pan) for e in scene.events]
    offline = synth.render(scene.duration, scene.control_rate, scene.ambience, events, seed=3)
    assert float(np.abs(offline.samples).max()) < 0.98  # not scaled for headroom: the comparison is exact
    _, pcm = PcmStream(16_000, 2).encode(offline.samples)
    live = b"".join(c.pcm for c in chunks)
    assert pcm[:len(live)] == live


def test_footsteps_are_heard_where_the_feet_go_down(played: tuple[Timeline, LiveSession, list[LiveAudio]]) -> None:
    original, session, chunks = played
    track = session.recording.track()
    steps = [e.time for e in sound.scene(Timeline(original.spec, FPS, len(track), 30, original.start, 0.0, track),
                                         fresh_store()).events if e.kind == "step"]
    audio = pcm_of(chunks)[:, 0]
    assert len(steps) >= 4 and min(steps) > 10 / FPS  # none before walking

    def energy(start: float, seconds: float = 0.02) -> float:
        first = round(start * 16_000)
        return float(np.sum(audio[first:first + round(seconds * 16_000)] ** 2))

    heard = [t for t in steps if t < audio.shape[0] / 16_000 - 0.03]
    assert all(energy(t) > 4 * energy(t - 0.03) for t in heard)  # a burst at each step
    standing = energy(0.05, 0.2) / 10  # 20 ms of the meadow's wind and birds, before walking
    assert min(energy(t) for t in heard) > 5 * standing, [energy(t) / standing for t in heard]


def test_a_session_from_a_later_frame_sounds_from_that_frame() -> None:
    original = walk()
    session = LiveSession(original, fresh_store(), SMALL, start=40)
    chunks = play(session, LiveSound(original, fresh_store(), chunk_frames=3), 9, walk_from=40)
    assert [c.frame for c in chunks] == [40, 43, 46]
    assert chunks[0].time == pytest.approx(40 / FPS, abs=1 / 16_000)  # its first sample on the 16 kHz grid
    assert pcm_of(chunks).shape[0] == 9 * 16_000 // FPS


def test_a_frame_heard_twice_is_refused() -> None:
    original = walk()
    store = fresh_store()
    live = LiveSound(original, store)
    state = original.state_at(0, store)
    live.hear(state)
    with pytest.raises(ValueError, match="each frame is heard once, in order"):
        live.hear(state)


def test_a_span_is_a_socket_message() -> None:
    chunk = LiveAudio(6, 2, 0.2, 16_000, 2, np.arange(-1066, 1066, dtype="<i2").tobytes())
    header, payload = unpack(chunk.message())
    assert header == {"type": "audio", "frame": 6, "time": 0.2, "rate": 16_000, "channels": 2, "samples": 1066}
    assert payload == chunk.pcm
    assert RATE % header["rate"] == 0
