"""media.pcm: a 48 kHz stream at a lower rate as int16, chunk by chunk without seams; loud chunks limited."""

from __future__ import annotations

import numpy as np
import pytest

from media.audio import RATE
from media.pcm import Limiter, PcmStream


def tone(frequency: float, seconds: float = 1.0, level: float = 0.5, start: int = 0) -> np.ndarray:
    t = np.arange(start, start + round(seconds * RATE)) / RATE
    mono = (level * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    return np.stack([mono, -mono], axis=1)


def decode(pcm: bytes, channels: int) -> np.ndarray:
    return np.frombuffer(pcm, "<i2").reshape(-1, channels).astype(np.float64) / 32767.0


def encode(samples: np.ndarray, sizes: list[int], rate: int = 16_000, channels: int = 2, start: int = 0
           ) -> tuple[list[int], bytes]:
    stream = PcmStream(rate, channels, start)
    firsts, parts, done, k = [], [], 0, 0
    while done < samples.shape[0]:
        size = sizes[k % len(sizes)]
        first, pcm = stream.encode(samples[done:done + size])
        firsts.append(first)
        parts.append(pcm)
        done, k = done + size, k + 1
    return firsts, b"".join(parts)


@pytest.mark.parametrize("rate", [16_000, 24_000, 48_000])
@pytest.mark.parametrize("sizes", [[1600], [1600, 1601, 1599], [7, 3331]])
def test_chunks_join_into_what_one_chunk_gives(rate: int, sizes: list[int]) -> None:
    signal = tone(440.0) + tone(3000.0, level=0.2)
    _, whole = encode(signal, [signal.shape[0]], rate)
    firsts, joined = encode(signal, sizes, rate)
    assert joined == whole
    assert len(whole) == 4 * rate  # a second of stereo int16
    assert firsts[0] == 0


def test_each_chunk_says_where_its_samples_sit_on_the_output_timeline() -> None:
    start = 42 * 1600 + 1  # not on the decimation grid: the first kept sample is the next one on it
    firsts, pcm = encode(tone(440.0), [1600], start=start)
    assert firsts[0] == (start + 2) // 3
    for index, first in enumerate(firsts):  # output sample n is input sample 3n
        assert first == -(-(start + 1600 * index) // 3)
    assert len(pcm) // 4 == -(-(start + RATE) // 3) - firsts[0]


def test_what_the_lower_rate_can_carry_passes_and_what_it_cannot_does_not_fold_back() -> None:
    passed = decode(encode(tone(1000.0), [1600])[1], 2)[1600:]
    assert np.abs(passed[:, 0]).max() == pytest.approx(0.5, abs=0.02)
    np.testing.assert_allclose(passed[:, 1], -passed[:, 0], atol=1e-4)
    folded = decode(encode(tone(10_000.0), [1600])[1], 2)[1600:]  # would alias to 6 kHz
    assert np.abs(folded).max() < 0.5 * 10 ** (-50 / 20)


def test_mono_is_the_two_sides_averaged() -> None:
    signal = tone(500.0)
    signal[:, 1] = 0.0
    mono = decode(encode(signal, [1600], channels=1)[1], 1)[1600:, 0]
    stereo = decode(encode(signal, [1600])[1], 2)[1600:, 0]
    np.testing.assert_allclose(mono, stereo / 2, atol=2e-4)


def test_quiet_sound_is_not_touched_by_the_limiter() -> None:
    _, pcm = encode(tone(440.0, level=0.9), [1600], rate=48_000)
    np.testing.assert_array_equal(np.frombuffer(pcm, "<i2").reshape(-1, 2),
                                  np.rint(tone(440.0, level=0.9) * 32767).astype(np.int16))


def test_a_loud_chunk_is_brought_under_full_scale_and_the_gain_comes_back() -> None:
    limiter = Limiter(16_000)
    loud = limiter(np.full((800, 2), 2.0, np.float32))
    assert float(loud.max()) <= 1.0 and float(loud[200:].max()) == pytest.approx(0.98, abs=1e-3)
    quiet = [limiter(np.full((800, 2), 0.1, np.float32)) for _ in range(12)]
    assert float(quiet[0][0, 0]) < 0.1
    assert float(quiet[-1][-1, 0]) == pytest.approx(0.1)  # after half a second, full gain again
    gains = [float(chunk[-1, 0]) for chunk in quiet]
    assert gains == sorted(gains)  # rising smoothly, no jumps back down


def test_rates_that_do_not_divide_48_kHz_are_refused() -> None:
    with pytest.raises(ValueError, match="divide 48000"):
        PcmStream(44_100)
    with pytest.raises(ValueError, match="1 or 2 channels"):
        PcmStream(16_000, 3)
