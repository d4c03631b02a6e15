"""Sound for a socket: a synthesised 48 kHz stream brought down to a lower rate, kept under full scale and
packed as 16-bit PCM, chunk by chunk.

The anti-alias filter's state, which samples the decimation keeps and the limiter's gain carry over from one
chunk to the next, so the chunks join without seams whatever their lengths.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import cheby2, sosfilt

from .audio import RATE


class Limiter:
    """A gain that drops at once (within about a millisecond) to keep a chunk's peak at ``ceiling`` and comes
    back up over ``release`` seconds; what still passes full scale is clipped. Only a live stream needs it:
    a whole track is scaled to fit instead (``synth.render``)."""

    def __init__(self, rate: int, ceiling: float = 0.98, release: float = 0.5) -> None:
        self.ceiling = ceiling
        self.attack = rate / 1000.0           # samples
        self.recover = 1.0 / (release * rate)  # gain per sample
        self.gain = 1.0

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        count = samples.shape[0]
        if not count:
            return samples
        peak = float(np.max(np.abs(samples)))
        target = min(1.0, self.ceiling / peak) if peak > 0.0 else 1.0
        if target < self.gain:
            gain = target + (self.gain - target) * np.exp(-np.arange(count) / self.attack)
        elif self.gain < 1.0:
            gain = np.minimum(self.gain + self.recover * np.arange(1, count + 1), target)
        else:
            return np.clip(samples, -1.0, 1.0)
        self.gain = float(gain[-1])
        return np.clip(samples * gain[:, None].astype(np.float32), -1.0, 1.0)


class PcmStream:
    """48 kHz stereo float chunks in, int16 little-endian interleaved PCM at ``rate`` with ``channels`` (1: the
    two sides averaged) out. ``start`` is the 48 kHz sample the first chunk begins at: output sample n is
    input sample n * (48000 / rate), so the output keeps the input's timeline."""

    def __init__(self, rate: int = 16_000, channels: int = 2, start: int = 0) -> None:
        if rate <= 0 or RATE % rate:
            raise ValueError(f"the PCM rate must divide {RATE}, not {rate}")
        if channels not in (1, 2):
            raise ValueError(f"PCM has 1 or 2 channels, not {channels}")
        self.rate, self.channels, self.factor = rate, channels, RATE // rate
        self.position = start
        # flat to ~0.85 of the new Nyquist frequency, 60 dB down from it on: little folds back
        self.sos = cheby2(12, 60.0, rate / 2, fs=RATE, output="sos") if self.factor > 1 else None
        self.state = np.zeros((0 if self.sos is None else self.sos.shape[0], 2, channels))
        self.limiter = Limiter(rate)

    def encode(self, samples: np.ndarray) -> tuple[int, bytes]:
        """(the index at ``rate`` of the chunk's first output sample, its PCM bytes)."""
        mixed = samples if self.channels == 2 else samples.mean(axis=1, keepdims=True)
        if self.sos is not None:
            mixed, self.state = sosfilt(self.sos, mixed, axis=0, zi=self.state)
        skip = -self.position % self.factor
        first = (self.position + skip) // self.factor
        self.position += samples.shape[0]
        kept = self.limiter(np.asarray(mixed[skip::self.factor], np.float32))
        return first, np.rint(kept * 32767.0).astype("<i2").tobytes()
