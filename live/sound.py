"""``LiveSound``: what a live session's walk sounds like, made as it is played.

The same two halves as the GenerateAudio node, fed one frame at a time: ``world.sound.Listener`` hears each
frame of the walk (ambience levels, footsteps, landings, cuts, characters) and ``media.synth.Synth`` renders
it, with ``media.pcm.PcmStream`` bringing it down to the wire's rate. A frame's sound is settled once the
next frame is heard (its ambience is centred on the frame and footsteps fall between frames), so after
frame f the sound up to frame f's time goes out: the sound trails the picture by one frame plus the chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from media import synth
from media.pcm import PcmStream
from world.contract import Rollout
from world.simulation import SimState, view
from world.sound import Listener
from world.store import Store

from .protocol import pack_audio

#: the default span of one sound message: 2 frames at 30 fps, 1 at 10 fps
CHUNK_SECONDS = 1 / 15
#: the default wire format: 16 kHz stereo int16 is 512 kbit/s (beside ~3.5 Mbit/s of JPEG at 854x480)
RATE, CHANNELS = 16_000, 2


@dataclass(frozen=True)
class LiveAudio:
    """The sound of frames ``frame`` .. ``frame + frames``: ``pcm`` int16 little-endian, channels interleaved."""

    frame: int
    frames: int
    time: float  # seconds of the first sample
    rate: int
    channels: int
    pcm: bytes

    @property
    def samples(self) -> int:
        return len(self.pcm) // (2 * self.channels)

    def header(self) -> dict[str, Any]:
        return {"type": "audio", "frame": self.frame, "time": round(self.time, 6), "rate": self.rate,
                "channels": self.channels, "samples": self.samples}

    def message(self) -> bytes:
        """The sound as a socket message (``protocol.pack_audio``)."""
        return pack_audio(self.header(), self.pcm)


class LiveSound:
    """Hears ``rollout``'s walk as a live session steps it: ``hear(state)`` with the walk's state after each
    frame (the first shown, then every tick, each once and in order) gives a ``LiveAudio`` every
    ``chunk_frames`` frames and ``None`` in between."""

    def __init__(self, rollout: Rollout, store: Store, seed: int = 0, rate: int = RATE, channels: int = CHANNELS,
                 chunk_frames: int | None = None, gains: dict[str, float] | None = None) -> None:
        walk = rollout.walk
        self.world, self.clock, self.fps = walk.world(store), walk.clock, walk.fps
        self.seed, self.gains = seed, gains
        self.listener = Listener(self.world, self.fps, seed)
        self.chunk_frames = chunk_frames or max(1, round(self.fps * CHUNK_SECONDS))
        self.rate, self.channels = rate, channels
        self.synth: synth.Synth | None = None
        self.pcm: PcmStream | None = None
        self.first = 0  # the first frame of the span not yet sent
        self.last: int | None = None

    def hear(self, state: SimState) -> LiveAudio | None:
        frame = state.frame
        if self.last is not None and frame != self.last + 1:
            raise ValueError(f"frame {frame} heard after frame {self.last}: each frame is heard once, in order")
        self.last = frame
        heard = self.listener.hear(frame, view(self.world, self.clock, state))
        if self.synth is None or self.pcm is None:
            self.synth = synth.Synth(self.fps, self.seed, self.gains, start_frame=frame)
            self.pcm = PcmStream(self.rate, self.channels, self.synth.position)
            self.first = frame
        self.synth.ambience({name: (value,) for name, value in heard.ambience.items()})
        self.synth.add(synth.Event(e.time, e.kind, e.voice, e.gain, e.pan) for e in heard.events)
        if frame - self.first < self.chunk_frames:
            return None
        samples = self.synth.sample_of(frame) - self.synth.position
        index, pcm = self.pcm.encode(self.synth.render(samples))
        chunk = LiveAudio(self.first, frame - self.first, index / self.rate, self.rate, self.channels, pcm)
        self.first = frame
        return chunk
