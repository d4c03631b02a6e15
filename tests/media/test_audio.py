"""media.audio: tracks on a timeline (window, fitted, silence), mixing, fades, loading and saving files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from media.audio import RATE, AudioError, AudioTrack, encode_file, fade, file_format_of, load, mix


def ramp(n: int, start: float = 0.0) -> AudioTrack:
    """A track whose sample i is (i+1, -(i+1)) / 1e4: every sample says where it came from."""
    values = (np.arange(n, dtype=np.float32) + 1) / np.float32(1e4)
    return AudioTrack(np.stack([values, -values], axis=1), RATE, start)


def tone(seconds: float, rate: int, frequency: float = 440.0, channels: int = 1, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    mono = (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    if channels == 1:
        return mono
    return np.stack([mono * (c + 1) / channels for c in range(channels)], axis=1)


# ---- AudioTrack ----------------------------------------------------------------------------------
def test_silence_is_exact() -> None:
    track = AudioTrack.silence(1.5)
    assert track.samples.shape == (72_000, 2) and track.samples.dtype == np.float32
    assert not track.samples.any()
    assert track.duration == 1.5 and track.start == 0.0 and track.rate == RATE
    assert track.nbytes == 72_000 * 2 * 4


def test_window_inside_before_and_after_the_track() -> None:
    track = ramp(480, start=0.01)  # samples 480..959 of the timeline
    window = track.window(0.0, 0.03)  # samples 0..1439
    assert window.shape == (1440, 2)
    assert not window[:480].any() and not window[960:].any()
    np.testing.assert_array_equal(window[480:960], track.samples)
    # a window that starts inside the track
    np.testing.assert_array_equal(track.window(0.015, 0.016), track.samples[240:288])
    # entirely outside
    assert not track.window(1.0, 1.01).any() and track.window(1.0, 1.01).shape == (480, 2)
    # before timeline 0 (a negative start)
    early = ramp(100, start=-0.001)  # its first 48 samples lie before 0
    np.testing.assert_array_equal(early.window(0.0, 0.001), early.samples[48:96])


def test_window_does_not_alias_the_track() -> None:
    track = ramp(100)
    window = track.window(0.0, 100 / RATE)
    window[:] = 0
    assert track.samples.any()


def test_fitted_pad_keeps_a_longer_track_whole() -> None:
    track = ramp(RATE * 2)
    fitted = track.fitted(1.0, "pad")
    np.testing.assert_array_equal(fitted.samples, track.samples)


def test_fitted_refuses_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="pad, trim or pad_or_trim"):
        ramp(RATE).fitted(1.0, "stretch")


@pytest.mark.parametrize("mode", ["trim", "pad_or_trim"])
def test_fitted_trims_a_longer_track(mode: str) -> None:
    track = ramp(RATE * 2)
    fitted = track.fitted(1.0, mode)
    assert fitted.samples.shape == (RATE, 2) and fitted.start == 0.0
    np.testing.assert_array_equal(fitted.samples, track.samples[:RATE])


@pytest.mark.parametrize("mode", ["pad", "pad_or_trim"])
def test_fitted_pads_a_shorter_track(mode: str) -> None:
    track = ramp(RATE // 2)
    fitted = track.fitted(1.0, mode)
    assert fitted.samples.shape == (RATE, 2)
    np.testing.assert_array_equal(fitted.samples[: RATE // 2], track.samples)
    assert not fitted.samples[RATE // 2:].any()


def test_fitted_trim_mode_does_not_pad() -> None:
    fitted = ramp(RATE // 2).fitted(1.0, "trim")
    assert fitted.samples.shape == (RATE // 2, 2)


def test_fitted_moves_a_late_track_onto_the_timeline() -> None:
    track = ramp(RATE // 4, start=0.5)
    fitted = track.fitted(1.0)
    assert fitted.start == 0.0 and fitted.samples.shape == (RATE, 2)
    assert not fitted.samples[: RATE // 2].any()
    np.testing.assert_array_equal(fitted.samples[RATE // 2: RATE // 2 + RATE // 4], track.samples)
    assert ramp(RATE // 4, start=0.5).fitted(1.0, "trim").samples.shape == (RATE // 2 + RATE // 4, 2)


# ---- mix and fade ------------------------------------------------------------------------------
def test_mix_gains_and_offsets_are_sample_accurate() -> None:
    a = ramp(1000)
    b = ramp(500, start=123 / RATE)
    mixed = mix([(a, 0.5), (b, 2.0)])
    assert mixed.start == 0.0 and mixed.samples.shape == (1000, 2)
    expected = a.samples * np.float32(0.5)
    expected[123:623] += b.samples * np.float32(2.0)
    np.testing.assert_allclose(mixed.samples, expected, rtol=0, atol=1e-7)


def test_mix_extends_to_the_latest_end_and_to_a_given_length() -> None:
    a = ramp(100)
    b = ramp(100, start=1000 / RATE)
    mixed = mix([(a, 1.0), (b, 1.0)])
    assert mixed.samples.shape == (1100, 2)
    np.testing.assert_array_equal(mixed.samples[1000:], b.samples)
    assert not mixed.samples[100:1000].any()
    assert mix([(a, 1.0), (b, 1.0)], seconds=0.01).samples.shape == (480, 2)
    assert mix([]).samples.shape == (0, 2)


def test_fade_in_and_out() -> None:
    track = AudioTrack(np.ones((RATE, 2), np.float32), RATE, 0.25)
    faded = fade(track, 0.1, 0.2)
    assert faded.start == 0.25
    assert faded.samples[0, 0] == 0.0 and faded.samples[-1, 1] == 0.0
    np.testing.assert_allclose(faded.samples[:4800, 0], np.linspace(0, 1, 4800), atol=1e-6)
    np.testing.assert_allclose(faded.samples[-9600:, 1], np.linspace(1, 0, 9600), atol=1e-6)
    np.testing.assert_array_equal(faded.samples[4800:-9600], 1.0)
    assert track.samples.min() == 1.0  # the original is untouched
    same = fade(track, 0.0, 0.0)
    np.testing.assert_array_equal(same.samples, track.samples)
    # fades longer than the track are clamped
    assert fade(AudioTrack(np.ones((10, 2), np.float32)), 1.0, 1.0).samples.shape == (10, 2)


# ---- files -------------------------------------------------------------------------------------
@pytest.mark.parametrize("file_format", ["WAV", "FLAC", "OGG"])
@pytest.mark.parametrize("channels", [1, 2])
def test_load_resamples_44k1_to_48k(tmp_path: Path, file_format: str, channels: int) -> None:
    seconds = 0.75
    data = tone(seconds, 44_100, 440.0, channels)
    path = tmp_path / f"tone.{file_format.lower()}"
    soundfile.write(path, data, 44_100, format=file_format)
    track = load(path)
    assert track.rate == RATE and track.start == 0.0
    assert track.samples.dtype == np.float32 and track.samples.shape[1] == 2
    assert abs(track.samples.shape[0] - round(seconds * RATE)) <= 2, track.samples.shape
    assert track.duration == pytest.approx(seconds, abs=1e-4)
    # the pitch survives: 440 Hz at 48 kHz (zero crossings per second)
    middle = track.samples[4800:-4800, 0]
    crossings = np.count_nonzero(np.diff(np.signbit(middle))) / (middle.shape[0] / RATE) / 2
    assert crossings == pytest.approx(440.0, rel=0.02)
    # mono goes to both channels; stereo keeps each channel
    left, right = (np.sqrt(np.mean(track.samples[4800:-4800, c] ** 2)) for c in (0, 1))
    if channels == 1:
        assert left == pytest.approx(right, rel=1e-6)
    else:
        assert right / left == pytest.approx(2.0, rel=0.05)
    assert np.sqrt(np.mean(middle ** 2)) == pytest.approx(0.5 / np.sqrt(2) * (1 if channels == 1 else 0.5), rel=0.1)


def test_load_at_48k_is_bit_exact(tmp_path: Path) -> None:
    data = np.random.default_rng(1).uniform(-0.9, 0.9, (4_800, 2)).astype(np.float32)
    path = tmp_path / "exact.wav"
    soundfile.write(path, data, RATE, subtype="FLOAT")
    np.testing.assert_array_equal(load(path).samples, data)


def test_load_keeps_two_of_more_channels(tmp_path: Path) -> None:
    data = np.stack([np.full(480, v, np.float32) for v in (0.1, 0.2, 0.3, 0.4)], axis=1)
    path = tmp_path / "quad.wav"
    soundfile.write(path, data, RATE, subtype="FLOAT")
    samples = load(path).samples
    assert samples.shape == (480, 2)
    np.testing.assert_allclose(samples[0], [0.1, 0.2])


@pytest.mark.parametrize("content", [b"RIFF\x24\x00\x00\x00WAVEfmt garbage" + bytes(range(256)) * 4,
                                     b"not audio at all" * 64, b""], ids=["corrupt_wav", "garbage", "empty_file"])
def test_load_bad_files_name_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken-take.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=re.escape("broken-take.wav")):
        load(path)


def test_load_a_file_with_no_samples(tmp_path: Path) -> None:
    path = tmp_path / "no-samples.flac"
    soundfile.write(path, np.zeros((0, 2), np.float32), RATE, format="FLAC")
    with pytest.raises(AudioError, match=re.escape("no-samples.flac")):
        load(path)


def test_load_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=re.escape("nowhere.ogg")):
        load(tmp_path / "nowhere.ogg")


def test_audio_error_is_a_value_error() -> None:
    assert issubclass(AudioError, ValueError)


def test_encode_wav_is_float_and_lossless() -> None:
    samples = np.random.default_rng(2).uniform(-1, 1, (9_600, 2)).astype(np.float32)
    data = encode_file(AudioTrack(samples), "WAV")
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    info = soundfile.info(io.BytesIO(data))
    assert info.subtype == "FLOAT" and info.samplerate == RATE and info.channels == 2 and info.frames == 9_600
    decoded, _ = soundfile.read(io.BytesIO(data), dtype="float32")
    np.testing.assert_array_equal(decoded, samples)


def test_encode_flac_is_24_bit() -> None:
    samples = np.random.default_rng(3).uniform(-1, 1, (9_600, 2)).astype(np.float32)
    data = encode_file(AudioTrack(samples), "FLAC")
    assert data[:4] == b"fLaC"
    info = soundfile.info(io.BytesIO(data))
    assert info.subtype == "PCM_24" and info.frames == 9_600 and info.samplerate == RATE
    decoded, _ = soundfile.read(io.BytesIO(data), dtype="float32")
    np.testing.assert_allclose(decoded, samples, atol=2.0 ** -22)


def test_encode_clips_out_of_range_samples(tmp_path: Path) -> None:
    samples = np.asarray([[2.0, -3.0], [0.5, -0.5]], np.float32)
    for file_format in ("WAV", "FLAC"):
        path = tmp_path / f"clip.{file_format.lower()}"
        path.write_bytes(encode_file(AudioTrack(samples), file_format))
        np.testing.assert_allclose(load(path).samples, [[1.0, -1.0], [0.5, -0.5]], atol=1e-6)


def test_file_format_of() -> None:
    assert [file_format_of(n) for n in ("a.wav", "b.FLAC", "c.ogg", "d.mp3", "e")] == \
        ["WAV", "FLAC", "OGG", "WAV", "WAV"]
