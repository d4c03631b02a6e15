"""media.video: closed-GOP segment encodes joined by a remux with one audio encode; metadata; decoding.

Everything is checked by decoding what was written with PyAV (no mocks). The A/V sync test writes a
test pattern: white flash frames just before, at and after segment boundaries, and a click in the
audio at the time of each flash; then it finds both again in the decoded file.

Found while writing these (FFmpeg as bundled with PyAV here): all three formats keep the clicks on
the exact sample of their flash (no AAC priming or Opus pre-skip offset survives decoding); AAC
audio decodes up to one AAC frame (1024 samples) longer than written (its end padding is not
trimmed), Opus decodes to the exact length; a truncated MP4 cannot be opened at all, while a
truncated Matroska file decodes the frames that are there without an error.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from media.audio import RATE, AudioTrack
from media.budget import PIXELS_VARIABLE, SEGMENT_VARIABLE, FrameBudgetError
from media.video import (FORMATS, METADATA_KEY, QUALITIES, VideoError, decode_audio, decode_frames, encode_segment,
                         probe, read_metadata, write)

W, H = 64, 48
FPS = 25
FRAMES = 90              # 3.6 s
SEGMENT = 25             # segments of 25, 25, 25 and 15 frames
#: flashes just before, at and after each boundary (25, 50, 75), and on the very last frame
FLASHES = (24, 25, 26, 49, 50, 51, 74, 75, 89)
CLICK = 48               # samples per click
CODECS = {"mp4": ("h264", "aac"), "webm": ("vp9", "opus"), "mkv": ("h264", "aac")}
AAC_FRAME = 1024


def pattern(frames: int = FRAMES, flashes: tuple[int, ...] = FLASHES) -> np.ndarray:
    """Dark frames with a moving gradient (so there is something to encode) and white flashes."""
    y, x = np.mgrid[0:H, 0:W]
    out = np.empty((frames, H, W, 3), np.uint8)
    for i in range(frames):
        base = (20 + 30 * ((x + 2 * i) % W) / W + 10 * y / H).astype(np.uint8)
        out[i] = base[..., None]
    out[list(flashes)] = 255
    return out


def clicks(seconds: float, times: list[float], start: float = 0.0) -> AudioTrack:
    samples = np.zeros((round(seconds * RATE), 2), np.float32)
    for t in times:
        s = round(t * RATE)
        samples[s:s + CLICK] = 0.8
    return AudioTrack(samples, RATE, start)


def flash_times(flashes: tuple[int, ...] = FLASHES, fps: int = FPS) -> list[float]:
    return [f / fps for f in flashes]


def segments_of(frames: np.ndarray, fmt_name: str, segment: int = SEGMENT, fps: int = FPS,
                quality: str = "draft") -> list[bytes]:
    return [encode_segment(frames[k:k + segment], fps, FORMATS[fmt_name], quality)
            for k in range(0, frames.shape[0], segment)]


def all_frames(path: Path) -> np.ndarray:
    return np.concatenate(list(decode_frames(path, 32)))


def onsets(channel: np.ndarray, threshold: float = 0.2, gap: int = 600) -> list[int]:
    """First sample of each burst above ``threshold`` (bursts closer than ``gap`` samples join)."""
    above = np.nonzero(np.abs(channel) > threshold)[0]
    found: list[int] = []
    last = 0
    for index in above:
        if not found or index - last > gap:
            found.append(int(index))
        last = index
    return found


def brightness(frames: np.ndarray) -> np.ndarray:
    return frames.reshape(frames.shape[0], -1).mean(axis=1)


@dataclass(frozen=True)
class Written:
    fmt: str
    path: Path
    frames: np.ndarray
    segments: list[bytes]


@pytest.fixture(scope="module", params=list(FORMATS))
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The test pattern with its clicks, written once per format."""
    name = request.param
    frames = pattern()
    segments = segments_of(frames, name)
    path = tmp_path_factory.mktemp(name) / f"pattern.{FORMATS[name].extension}"
    output = write(path, FORMATS[name], FPS, FRAMES, SEGMENT, iter(segments), clicks(FRAMES / FPS, flash_times()),
                   {METADATA_KEY: '{"nodes": {}, "note": "é ☃"}', "title": "pattern"})
    assert output.path == path and output.frames == FRAMES and output.seconds == FRAMES / FPS
    return Written(name, path, frames, segments)


def tag(metadata: dict[str, str], key: str) -> str | None:
    return {k.lower(): v for k, v in metadata.items()}.get(key)


# ---- the file ----------------------------------------------------------------------------------
def test_frames_resolution_and_streams(written: Written) -> None:
    decoded = all_frames(written.path)
    assert decoded.shape == (FRAMES, H, W, 3) and decoded.dtype == np.uint8
    # lossy, but close: the gradient is still there on every frame
    assert np.abs(decoded.astype(int) - written.frames.astype(int)).mean() < 6
    info = probe(written.path)
    assert (info.width, info.height, info.fps, info.has_audio) == (W, H, FPS, True)
    with av.open(str(written.path)) as container:
        assert len(container.streams.video) == 1 and len(container.streams.audio) == 1
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == CODECS[written.fmt]
        assert audio.codec_context.sample_rate == RATE and audio.codec_context.layout.name == "stereo"
        assert video.codec_context.pix_fmt == "yuv420p"


def test_frame_timestamps_are_exact(written: Written) -> None:
    with av.open(str(written.path)) as container:
        times = [frame.time for frame in container.decode(video=0)]
    np.testing.assert_allclose(times, np.arange(FRAMES) / FPS, rtol=0, atol=1e-9)


def test_mp4_duration_is_exactly_frames_over_fps(tmp_path: Path) -> None:
    frames = pattern()
    path = tmp_path / "exact.mp4"
    write(path, FORMATS["mp4"], FPS, FRAMES, SEGMENT, segments_of(frames, "mp4"), clicks(3.6, [1.0]), {})
    info = probe(path)
    assert info.seconds == FRAMES / FPS and info.frames == FRAMES
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert video.frames == FRAMES
        assert video.duration is not None and video.duration * video.time_base == Fraction(FRAMES, FPS)
        audio = container.streams.audio[0]
        assert audio.duration is not None and audio.duration * audio.time_base == Fraction(FRAMES, FPS)


@pytest.mark.parametrize("name", ["webm", "mkv"])
def test_matroska_duration_is_within_an_audio_frame(tmp_path: Path, name: str) -> None:
    frames = pattern()
    path = tmp_path / f"d.{FORMATS[name].extension}"
    write(path, FORMATS[name], FPS, FRAMES, SEGMENT, segments_of(frames, name), clicks(3.6, [1.0]), {})
    assert FRAMES / FPS <= probe(path).seconds <= FRAMES / FPS + AAC_FRAME / RATE + 0.001


def test_metadata_round_trip(written: Written) -> None:
    metadata = read_metadata(written.path)
    assert tag(metadata, METADATA_KEY) == '{"nodes": {}, "note": "é ☃"}'
    assert tag(metadata, "title") == "pattern"
    if written.fmt == "mp4":
        assert metadata[METADATA_KEY] == '{"nodes": {}, "note": "é ☃"}'
    else:  # Matroska upper-cases tag keys
        assert metadata["WORKFLOW"] == '{"nodes": {}, "note": "é ☃"}'


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_large_workflow_tag_survives(tmp_path: Path, name: str) -> None:
    workflow = json.dumps({"nodes": {str(i): {"class": "Note", "inputs": {"text": f"{i} ✓ " + "x" * 280}}
                                     for i in range(1000)}}, ensure_ascii=False)
    assert len(workflow.encode()) > 300_000
    path = tmp_path / f"big.{FORMATS[name].extension}"
    frames = pattern(10, ())
    write(path, FORMATS[name], FPS, 10, 10, segments_of(frames, name, 10), AudioTrack.silence(0.4),
          {METADATA_KEY: workflow})
    assert tag(read_metadata(path), METADATA_KEY) == workflow
    assert all_frames(path).shape[0] == 10


def test_no_metadata_no_workflow_tag(tmp_path: Path) -> None:
    path = tmp_path / "plain.mp4"
    write(path, FORMATS["mp4"], FPS, 10, 10, segments_of(pattern(10, ()), "mp4", 10), None, {})
    assert tag(read_metadata(path), METADATA_KEY) is None


def test_read_metadata_of_other_files(tmp_path: Path) -> None:
    other = tmp_path / "notes.mp4"
    other.write_bytes(b"\x00\x01 not a video" * 100)
    assert read_metadata(other) == {}
    assert read_metadata(tmp_path / "missing.mp4") == {}


# ---- sync --------------------------------------------------------------------------------------
def test_flashes_are_on_their_frames(written: Written) -> None:
    bright = np.nonzero(brightness(all_frames(written.path)) > 128)[0]
    assert tuple(int(i) for i in bright) == FLASHES


def test_av_sync_across_segment_boundaries(written: Written) -> None:
    """Each click starts within 1 ms (48 samples) of its flash, in every format."""
    decoded = all_frames(written.path)
    flash_frames = np.nonzero(brightness(decoded) > 128)[0]
    with av.open(str(written.path)) as container:
        frame_times = [frame.time for frame in container.decode(video=0)]
    flashes_s = [frame_times[i] for i in flash_frames]
    audio = decode_audio(written.path)
    assert audio is not None and audio.rate == RATE
    found = onsets(audio.samples[:, 0])
    assert len(found) == len(FLASHES), found
    for onset, when in zip(found, flashes_s, strict=True):
        assert abs(onset - when * RATE) <= 48, (written.fmt, onset, when * RATE)
    # both channels carry the same click
    assert onsets(audio.samples[:, 1]) == found


def test_audio_length_matches_the_video(written: Written) -> None:
    audio = decode_audio(written.path)
    assert audio is not None
    expected = round(FRAMES / FPS * RATE)
    if CODECS[written.fmt][1] == "aac":
        assert expected <= audio.samples.shape[0] <= expected + AAC_FRAME  # end padding is not trimmed
    else:
        assert audio.samples.shape[0] == expected


def test_an_audio_offset_moves_the_clicks_exactly(tmp_path: Path) -> None:
    """A track that starts 0.1 s into the timeline is heard 4800 samples later."""
    frames = pattern()
    path = tmp_path / "late.mp4"
    write(path, FORMATS["mp4"], FPS, FRAMES, SEGMENT, segments_of(frames, "mp4"),
          clicks(3.0, [0.5, 1.0, 2.0], start=0.1), {})
    audio = decode_audio(path)
    assert audio is not None
    found = onsets(audio.samples[:, 0])
    assert len(found) == 3
    for onset, when in zip(found, (0.6, 1.1, 2.1), strict=True):
        assert abs(onset - round(when * RATE)) <= 48


# ---- closed GOPs -------------------------------------------------------------------------------
def test_every_segment_starts_with_a_key_frame(written: Written) -> None:
    with av.open(str(written.path)) as container:
        stream = container.streams.video[0]
        packets = [(float(p.pts * p.time_base), p.is_keyframe) for p in container.demux(stream) if p.pts is not None]
    assert len(packets) == FRAMES
    packets.sort()
    keys = [round(t * FPS) for t, key in packets if key]
    assert keys == list(range(0, FRAMES, SEGMENT))  # one key frame per segment, at its start


def test_each_segment_decodes_on_its_own(written: Written) -> None:
    """Closed GOPs: a decoder that starts at the second segment's first packet decodes everything
    after it, identical to a full decode."""
    full = all_frames(written.path)
    with av.open(str(written.path)) as container:
        stream = container.streams.video[0]
        decoded = []
        for packet in container.demux(stream):
            if packet.pts is not None and packet.pts * packet.time_base < Fraction(SEGMENT, FPS):
                continue
            decoded.extend(frame.to_ndarray(format="rgb24") for frame in packet.decode())
    assert len(decoded) == FRAMES - SEGMENT
    np.testing.assert_array_equal(np.stack(decoded), full[SEGMENT:])


@pytest.mark.parametrize("name", list(FORMATS))
@pytest.mark.parametrize("quality", list(QUALITIES))
def test_encode_segment_is_one_standalone_gop(name: str, quality: str) -> None:
    frames = pattern(12, (3,))
    data = encode_segment(frames, FPS, FORMATS[name], quality)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.pts is not None]
        assert [p.is_keyframe for p in sorted(packets, key=lambda p: p.pts)] == [True] + [False] * 11
    with av.open(io.BytesIO(data)) as container:
        decoded = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    assert decoded.shape == (12, H, W, 3)
    assert np.nonzero(brightness(decoded) > 128)[0].tolist() == [3]


def test_cached_segments_join_into_one_video(tmp_path: Path) -> None:
    """Segments encoded separately (as the cache holds them) and reused in another order still make
    a valid file whose frames are those segments in the order given."""
    frames = pattern()
    segments = segments_of(frames, "mp4")
    path = tmp_path / "reordered.mp4"
    order = [segments[1], segments[0], segments[2], segments[1]]
    write(path, FORMATS["mp4"], FPS, 100, SEGMENT, order, None, {})
    decoded = all_frames(path)
    assert decoded.shape[0] == 100
    bright = np.nonzero(brightness(decoded) > 128)[0].tolist()
    # segment 1 holds flashes 25, 26, 49 (frames 0, 1, 24 of it); segment 0 holds flash 24; segment 2: 50, 51, 74
    assert bright == [0, 1, 24, 49, 50, 51, 74, 75, 76, 99]


# ---- atomic writes -----------------------------------------------------------------------------
def _failing(segments: list[bytes], after: int) -> Iterator[bytes]:
    for k, data in enumerate(segments):
        if k == after:
            raise RuntimeError("render failed")
        yield data


@pytest.mark.parametrize("name", list(FORMATS))
def test_write_is_atomic(tmp_path: Path, name: str) -> None:
    segments = segments_of(pattern(), name)
    target = tmp_path / "out" / f"video.{FORMATS[name].extension}"
    with pytest.raises(RuntimeError, match="render failed"):
        write(target, FORMATS[name], FPS, FRAMES, SEGMENT, _failing(segments, 2), clicks(3.6, [1.0]), {})
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no '.wg-tmp-*' left behind


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    segments = segments_of(pattern(), "mp4")
    target = tmp_path / "video.mp4"
    write(target, FORMATS["mp4"], FPS, FRAMES, SEGMENT, segments, None, {"title": "first"})
    before = target.read_bytes()
    with pytest.raises(RuntimeError):
        write(target, FORMATS["mp4"], FPS, FRAMES, SEGMENT, _failing(segments, 3), None, {"title": "second"})
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["video.mp4"]
    progress: list[int] = []
    write(target, FORMATS["mp4"], FPS, FRAMES, SEGMENT, segments, None, {"title": "third"}, progress.append)
    assert read_metadata(target)["title"] == "third" and progress == [1, 2, 3, 4]
    assert not any(p.name.startswith(".wg-tmp-") for p in tmp_path.iterdir())


def test_no_segments_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "empty.mp4"
    with pytest.raises(VideoError, match="no video segments"):
        write(target, FORMATS["mp4"], FPS, 0, SEGMENT, [], None, {})
    assert list(tmp_path.iterdir()) == []


# ---- audio shorter or longer than the video ------------------------------------------------------
@pytest.mark.parametrize("fit", [True, False], ids=["fitted", "as_is"])
def test_short_audio_is_padded(tmp_path: Path, fit: bool) -> None:
    frames = pattern()
    audio = clicks(1.0, [0.5])
    if fit:
        audio = audio.fitted(FRAMES / FPS)
        assert audio.samples.shape[0] == round(FRAMES / FPS * RATE)
    path = tmp_path / "short.mp4"
    write(path, FORMATS["mp4"], FPS, FRAMES, SEGMENT, segments_of(frames, "mp4"), audio, {})
    decoded = decode_audio(path)
    assert decoded is not None
    expected = round(FRAMES / FPS * RATE) if fit else RATE  # write() encodes the track it is given
    assert expected <= decoded.samples.shape[0] <= expected + AAC_FRAME
    assert onsets(decoded.samples[:, 0]) == [pytest.approx(24_000, abs=48)]
    if fit:
        assert np.abs(decoded.samples[RATE + 2_000:]).max() < 0.01  # silence after the track


@pytest.mark.parametrize("mode", ["trim", "pad_or_trim"])
def test_long_audio_is_trimmed(tmp_path: Path, mode: str) -> None:
    frames = pattern()
    audio = clicks(6.0, [1.0, 3.0, 4.0, 5.5]).fitted(FRAMES / FPS, mode)
    assert audio.samples.shape[0] == round(FRAMES / FPS * RATE)
    path = tmp_path / "long.mp4"
    write(path, FORMATS["mp4"], FPS, FRAMES, SEGMENT, segments_of(frames, "mp4"), audio, {})
    decoded = decode_audio(path)
    assert decoded is not None
    assert decoded.samples.shape[0] <= round(FRAMES / FPS * RATE) + AAC_FRAME
    assert [round(o / RATE, 2) for o in onsets(decoded.samples[:, 0])] == [1.0, 3.0]
    assert probe(path).seconds == FRAMES / FPS


def test_write_encodes_the_track_as_given(tmp_path: Path) -> None:
    """Fitting is the caller's choice (``AudioTrack.fitted``); with ``pad`` a longer track stays whole."""
    path = tmp_path / "long.webm"
    audio = clicks(6.0, [1.0, 5.0]).fitted(FRAMES / FPS, "pad")
    write(path, FORMATS["webm"], FPS, FRAMES, SEGMENT, segments_of(pattern(), "webm"), audio, {})
    decoded = decode_audio(path)
    assert decoded is not None and decoded.samples.shape[0] == round(6.0 * RATE)
    assert [round(o / RATE, 2) for o in onsets(decoded.samples[:, 0])] == [1.0, 5.0]


def test_no_audio(tmp_path: Path) -> None:
    path = tmp_path / "mute.mkv"
    write(path, FORMATS["mkv"], FPS, 10, 10, segments_of(pattern(10, ()), "mkv", 10), None, {})
    assert probe(path).has_audio is False
    assert decode_audio(path) is None
    with av.open(str(path)) as container:
        assert not container.streams.audio


# ---- bad input ---------------------------------------------------------------------------------
def _calls(path: Path) -> list[object]:
    return [lambda: probe(path), lambda: list(decode_frames(path, 8)), lambda: decode_audio(path)]


@pytest.mark.parametrize("name", list(FORMATS))
@pytest.mark.parametrize("content", ["garbage", "empty", "header_only"])
def test_unreadable_files_raise_video_error_naming_the_file(tmp_path: Path, name: str, content: str) -> None:
    data = {"garbage": bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)), "empty": b"",
            "header_only": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"}[content]
    path = tmp_path / f"broken clip.{FORMATS[name].extension}"
    path.write_bytes(data)
    for call in _calls(path):
        with pytest.raises(VideoError, match=re.escape(f"broken clip.{FORMATS[name].extension}")):
            call()  # type: ignore[operator]


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_mp4_raises_video_error(tmp_path: Path, fraction: float) -> None:
    whole = tmp_path / "whole.mp4"
    write(whole, FORMATS["mp4"], FPS, FRAMES, SEGMENT, segments_of(pattern(), "mp4"), clicks(3.6, [1.0]), {})
    data = whole.read_bytes()
    cut = tmp_path / "cut-short.mp4"
    cut.write_bytes(data[: int(len(data) * fraction)])
    for call in _calls(cut):
        with pytest.raises(VideoError, match=re.escape("cut-short.mp4")):
            call()  # type: ignore[operator]


def test_missing_file_raises_video_error(tmp_path: Path) -> None:
    for call in _calls(tmp_path / "gone.webm"):
        with pytest.raises(VideoError, match=re.escape("gone.webm")):
            call()  # type: ignore[operator]


@pytest.mark.parametrize("name", ["webm", "mkv"])
def test_truncated_matroska_decodes_what_is_there(tmp_path: Path, name: str) -> None:
    """Matroska is streamable: a file cut in half is read up to the cut, without an error."""
    whole = tmp_path / f"whole.{FORMATS[name].extension}"
    write(whole, FORMATS[name], FPS, FRAMES, SEGMENT, segments_of(pattern(), name), clicks(3.6, [1.0]), {})
    data = whole.read_bytes()
    cut = tmp_path / f"cut.{FORMATS[name].extension}"
    cut.write_bytes(data[: len(data) // 2])
    count = sum(batch.shape[0] for batch in decode_frames(cut, 16))
    assert 0 < count < FRAMES


def test_a_file_without_video(tmp_path: Path) -> None:
    path = tmp_path / "sound-only.mp4"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=RATE, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.zeros((2, RATE // 2), np.float32), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = RATE, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(VideoError, match=r"sound-only\.mp4.*no video stream"):
        probe(path)
    audio = decode_audio(path)
    assert audio is not None and abs(audio.samples.shape[0] - RATE // 2) <= AAC_FRAME


def test_decode_frames_batches(written: Written) -> None:
    sizes = [batch.shape[0] for batch in decode_frames(written.path, 40)]
    assert sizes == [40, 40, 10]


def test_decode_frames_refuses_batches_over_the_segment_budget(tmp_path: Path) -> None:
    path = tmp_path / "full-hd.mp4"
    frames = np.zeros((2, 1080, 1920, 3), np.uint8)
    write(path, FORMATS["mp4"], FPS, 2, 2, [encode_segment(frames, FPS, FORMATS["mp4"], "draft")], None, {})
    with pytest.raises(FrameBudgetError) as caught:
        next(decode_frames(path, 300))
    assert str(caught.value) == ("300 frames of 1920x1080 are 1.74 GiB, over the limit of 1 GiB per segment "
                                 f"({SEGMENT_VARIABLE}); at most 172 frames of that size fit")
    assert [batch.shape for batch in decode_frames(path, 172)] == [(2, 1080, 1920, 3)]


def test_decode_frames_refuses_frames_over_the_pixel_limit(written: Written, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PIXELS_VARIABLE, str(W * H - 1))
    with pytest.raises(FrameBudgetError, match=rf"\({W}x{H}\) is over the limit"):
        next(decode_frames(written.path, 1))


# ---- probe ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [
    "mp4", "webm", "mkv",
])
def test_probe_counts_frames_at_30_fps(tmp_path: Path, name: str) -> None:
    frames = pattern(60, ())
    path = tmp_path / f"thirty.{FORMATS[name].extension}"
    write(path, FORMATS[name], 30, 60, 30, segments_of(frames, name, 30, 30), AudioTrack.silence(2.0), {})
    assert sum(batch.shape[0] for batch in decode_frames(path, 64)) == 60
    assert probe(path).frames == 60
