"""Audio tracks: 48 kHz stereo float32 with a start time; loading, resampling, mixing, saving."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

RATE = 48_000


class AudioError(ValueError):
    """An audio file cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class AudioTrack:
    """``samples`` float32 ``[N, 2]`` at ``rate``; it starts ``start`` seconds into the timeline."""

    samples: np.ndarray
    rate: int = RATE
    start: float = 0.0

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.rate

    @property
    def nbytes(self) -> int:
        return int(self.samples.nbytes)

    @classmethod
    def silence(cls, seconds: float, rate: int = RATE) -> AudioTrack:
        return cls(np.zeros((round(seconds * rate), 2), dtype=np.float32), rate)

    def window(self, start: float, stop: float) -> np.ndarray:
        """Samples for timeline seconds [start, stop): zeros where the track has none."""
        first, last = round(start * self.rate), round(stop * self.rate)
        offset = round(self.start * self.rate)
        out = np.zeros((last - first, 2), dtype=np.float32)
        lo, hi = max(first, offset), min(last, offset + self.samples.shape[0])
        if hi > lo:
            out[lo - first:hi - first] = self.samples[lo - offset:hi - offset]
        return out

    def fitted(self, seconds: float, mode: str = "pad_or_trim") -> AudioTrack:
        """The track from timeline 0 against a video of ``seconds``. ``pad``: a shorter track is padded
        with silence to the end (a longer one is kept whole); ``trim``: a longer track is cut at the end
        (a shorter one stays short); ``pad_or_trim``: exactly ``seconds``."""
        if mode not in ("pad", "trim", "pad_or_trim"):
            raise ValueError(f"audio fit {mode!r} must be pad, trim or pad_or_trim")
        end = self.start + self.duration
        length = {"pad": max(seconds, end), "trim": min(seconds, end), "pad_or_trim": seconds}[mode]
        samples = round(max(length, 0.0) * self.rate)
        if self.start == 0.0 and samples == self.samples.shape[0]:
            return self  # already fits: no copy of a long track
        return AudioTrack(self.window(0.0, samples / self.rate), self.rate, 0.0)


def to_stereo(data: np.ndarray) -> np.ndarray:
    if data.ndim == 1:
        data = data[:, None]
    if data.shape[1] == 1:
        return np.repeat(data, 2, axis=1)
    return data[:, :2]


def resample(samples: np.ndarray, rate: int, target: int = RATE) -> np.ndarray:
    if rate == target:
        return samples.astype(np.float32, copy=False)
    divisor = np.gcd(rate, target)
    return resample_poly(samples, target // divisor, rate // divisor, axis=0).astype(np.float32)


def load(path: str | Path) -> AudioTrack:
    """A WAV, FLAC or OGG file as a 48 kHz stereo track (resampled as needed)."""
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as error:
        raise AudioError(f"cannot read audio file {Path(path).name!r}: {error}") from None
    if data.shape[0] == 0:
        raise AudioError(f"audio file {Path(path).name!r} has no samples")
    return AudioTrack(resample(to_stereo(data), rate), RATE)


def encode_file(track: AudioTrack, file_format: str = "WAV") -> bytes:
    """The track as WAV (32-bit float) or FLAC (24-bit) bytes."""
    buffer = io.BytesIO()
    subtype = "FLOAT" if file_format == "WAV" else "PCM_24"
    soundfile.write(buffer, np.clip(track.samples, -1.0, 1.0), track.rate, format=file_format, subtype=subtype)
    return buffer.getvalue()


def mix(tracks: list[tuple[AudioTrack, float]], seconds: float | None = None) -> AudioTrack:
    """Sum of (track, gain) pairs on a common timeline starting at 0."""
    end = seconds if seconds is not None else max((t.start + t.duration for t, _ in tracks), default=0.0)
    out = np.zeros((round(end * RATE), 2), dtype=np.float32)
    for track, gain in tracks:
        out += track.window(0.0, end) * np.float32(gain)
    return AudioTrack(out, RATE, 0.0)


def fade(track: AudioTrack, fade_in: float, fade_out: float) -> AudioTrack:
    samples = track.samples.copy()
    n_in, n_out = min(round(fade_in * track.rate), len(samples)), min(round(fade_out * track.rate), len(samples))
    if n_in:
        samples[:n_in] *= np.linspace(0.0, 1.0, n_in, dtype=np.float32)[:, None]
    if n_out:
        samples[len(samples) - n_out:] *= np.linspace(1.0, 0.0, n_out, dtype=np.float32)[:, None]
    return AudioTrack(samples, track.rate, track.start)


def file_format_of(path: str | os.PathLike[str]) -> str:
    return {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG"}.get(Path(path).suffix.lower(), "WAV")
