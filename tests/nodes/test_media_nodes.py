"""The audio and video nodes through the executor: GenerateAudio, LoadAudio, MixAudio, SaveAudio,
MuxAudio, SaveVideo, PreviewVideo and LoadVideo, on a short walk rendered by RenderVideo."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import soundfile

import graph
import media.segments
import media.video
from graph import Executor, NodeExecutionError, Paths, Workflow
from media.audio import RATE, AudioTrack
from media.budget import SEGMENT_VARIABLE
from media.stream import VideoStream
from media.video import FORMATS, METADATA_KEY, decode_audio, decode_frames, probe, read_metadata, write
from world.render import SIZES

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
FPS = 10
SECONDS = 2.0
FRAMES = round(FPS * SECONDS)
WIDTH, HEIGHT = SIZES["480p"]
# Fixtures from tests/conftest.py (registry, paths, store, executor) and tests/nodes/conftest.py (meadow, warm).


def film(sink: str = "SaveVideo", sink_inputs: dict[str, Any] | None = None,
         audio_inputs: dict[str, Any] | None = None, mux_offset: float = 0.0) -> Workflow:
    """LoadWorld -> WanderRollout (2 s at 10 fps, two segments) -> RenderVideo 480p -> MuxAudio <- GenerateAudio,
    -> sink (ids: load, wander, render, audio, mux, out)."""
    workflow = Workflow()
    workflow.add_node("LoadWorld", {"source": "preset", "preset": "alpine_meadow", "seed": 0}, node_id="load")
    workflow.add_node("WanderRollout", {"mode": "walk", "duration": SECONDS, "fps": FPS, "segment_seconds": 1.0},
                      node_id="wander")
    workflow.add_node("RenderVideo", {"resolution": "480p"}, node_id="render")
    workflow.add_node("GenerateAudio", {"seed": 3, **(audio_inputs or {})}, node_id="audio")
    workflow.add_node("MuxAudio", {"offset": mux_offset}, node_id="mux")
    workflow.add_node(sink, sink_inputs or {}, node_id="out")
    workflow.connect("load", "world", "wander", "world")
    workflow.connect("wander", "latent", "render", "latent")
    workflow.connect("wander", "latent", "audio", "latent")
    workflow.connect("render", "video", "mux", "video")
    workflow.connect("audio", "audio", "mux", "audio")
    workflow.connect("mux", "video", "out", "video")
    return workflow


def saved(result: graph.RunResult, paths: Paths, node: str = "out") -> Path:
    [entry] = result.ui[node]["videos"]
    path = paths.resolve(entry["type"], entry["filename"], entry["subfolder"])
    assert path.is_file()
    assert result.files[node] == [path]
    return path


def all_frames(path: Path) -> np.ndarray:
    return np.concatenate(list(decode_frames(path, 64)))


def tag(path: Path, key: str) -> str | None:
    return {k.lower(): v for k, v in read_metadata(path).items()}.get(key)


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, samples, rate, subtype="FLOAT")


def one_shots(seconds: float, at: list[float], value: float = 0.5) -> np.ndarray:
    samples = np.zeros((round(seconds * RATE), 2), np.float32)
    for t in at:
        samples[round(t * RATE)] = (value, -value)
    return samples


def audio_graph(files: dict[str, dict[str, Any]], mix: dict[str, Any] | None = None) -> Workflow:
    """LoadAudio nodes (by id) [-> MixAudio 'mix' of 'a' and 'b'] -> PreviewValue 'show'."""
    workflow = Workflow()
    for node_id, inputs in files.items():
        workflow.add_node("LoadAudio", inputs, node_id=node_id)
    workflow.add_node("PreviewValue", node_id="show")
    if mix is None:
        workflow.connect(next(iter(files)), "audio", "show", "value")
        return workflow
    workflow.add_node("MixAudio", mix, node_id="mix")
    workflow.connect("a", "audio", "mix", "a")
    if "b" in files:
        workflow.connect("b", "audio", "mix", "b")
    workflow.connect("mix", "audio", "show", "value")
    return workflow


def failure(executor: Executor, workflow: Workflow) -> NodeExecutionError:
    with pytest.raises(NodeExecutionError) as caught:
        executor.run(workflow)
    return caught.value


# ---- GenerateAudio -> MuxAudio -> SaveVideo ----------------------------------------------------
def test_save_video_mp4_with_workflow_and_audio(warm: Executor, paths: Paths) -> None:
    workflow = film(sink_inputs={"filename_prefix": "walks/meadow"})
    result = warm.run(workflow)
    path = saved(result, paths)
    assert path.parent == paths.output / "walks" and path.name == "meadow_00001_.mp4"
    assert result.ui["out"]["videos"][0]["format"] == "video/mp4"
    info = probe(path)
    assert (info.width, info.height, info.fps, info.frames, info.has_audio) == (WIDTH, HEIGHT, FPS, FRAMES, True)
    assert info.seconds == SECONDS
    # the frames are RenderVideo's frames
    stream: VideoStream = result.output("render", "video")
    rendered = np.concatenate(list(stream.segments()))
    decoded = all_frames(path)
    assert decoded.shape == rendered.shape == (FRAMES, HEIGHT, WIDTH, 3)
    assert np.abs(decoded.astype(int) - rendered.astype(int)).mean() < 8
    # the audio is GenerateAudio's track
    generated: AudioTrack = result.output("audio", "audio")
    assert generated.samples.shape == (round(SECONDS * RATE), 2)
    heard = decode_audio(path)
    assert heard is not None and heard.samples.shape[0] >= generated.samples.shape[0]
    rms = [float(np.sqrt(np.mean(x[: generated.samples.shape[0]] ** 2))) for x in (generated.samples, heard.samples)]
    assert rms[0] > 1e-3 and rms[1] == pytest.approx(rms[0], rel=0.25)
    # the workflow is embedded and reads back
    text = read_metadata(path)[METADATA_KEY]
    embedded = Workflow.from_json(text)
    assert embedded.to_dict()["nodes"] == workflow.to_dict()["nodes"]
    assert embedded.to_dict()["links"] == workflow.to_dict()["links"]
    graph.plan(embedded, warm.registry)
    assert Workflow.load(path, warm.registry).to_dict()["nodes"] == workflow.to_dict()["nodes"]


def test_embed_workflow_false_writes_no_workflow_tag(warm: Executor, paths: Paths) -> None:
    path = saved(warm.run(film(sink_inputs={"embed_workflow": False})), paths)
    assert tag(path, METADATA_KEY) is None
    assert probe(path).has_audio


def test_resaving_after_an_audio_change_reencodes_no_video(warm: Executor, paths: Paths,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = media.video.encode_segment

    def counting(frames: np.ndarray, *args: Any, **kwargs: Any) -> bytes:
        calls.append(frames.shape[0])
        return real(frames, *args, **kwargs)

    monkeypatch.setattr(media.video, "encode_segment", counting)
    monkeypatch.setattr(media.segments, "encode_segment", counting)
    first = saved(warm.run(film(audio_inputs={"steps": 1.0})), paths)
    assert calls == [10, 10]  # two segments of a second
    calls.clear()
    result = warm.run(film(audio_inputs={"steps": 3.0}))
    second = saved(result, paths)
    assert calls == []  # the video packets come from the segment cache
    assert "render" not in result.executed and "audio" in result.executed
    assert second != first and second.name == "worldgraph_00002_.mp4" and first.is_file()
    assert video_packets(second) == video_packets(first)
    a, b = decode_audio(first), decode_audio(second)
    assert a is not None and b is not None and not np.allclose(a.samples, b.samples, atol=1e-3)


@pytest.mark.parametrize("name", ["webm", "mkv"])
def test_save_video_other_formats(warm: Executor, paths: Paths, name: str) -> None:
    workflow = film(sink_inputs={"format": name, "quality": "draft"})
    result = warm.run(workflow)
    path = saved(result, paths)
    assert path.suffix == f".{name}"
    assert result.ui["out"]["videos"][0]["format"] == f"video/{name}"
    assert all_frames(path).shape == (FRAMES, HEIGHT, WIDTH, 3)
    info = probe(path)
    assert (info.width, info.height, info.has_audio) == (WIDTH, HEIGHT, True)
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.name == {"webm": "vp9", "mkv": "h264"}[name]
        assert container.streams.audio[0].codec_context.name == {"webm": "opus", "mkv": "aac"}[name]
    metadata = read_metadata(path)
    assert "WORKFLOW" in metadata  # Matroska upper-cases tag keys
    assert Workflow.from_json(metadata["WORKFLOW"]).to_dict()["nodes"] == workflow.to_dict()["nodes"]
    assert Workflow.load(path, warm.registry).to_dict()["nodes"] == workflow.to_dict()["nodes"]


@pytest.mark.parametrize(("offset", "fit", "heard_s"), [
    (0.5, "pad_or_trim", SECONDS), (-0.5, "pad", SECONDS), (-0.5, "pad_or_trim", SECONDS),
    (-0.5, "trim", SECONDS - 0.5),
])
def test_mux_offset_and_audio_fit(warm: Executor, paths: Paths, offset: float, fit: str, heard_s: float) -> None:
    result = warm.run(film(sink_inputs={"audio_fit": fit, "format": "webm", "quality": "draft"}, mux_offset=offset))
    muxed: VideoStream = result.output("mux", "video")
    generated: AudioTrack = result.output("audio", "audio")
    assert muxed.audio is not None and muxed.audio.start == offset
    np.testing.assert_array_equal(muxed.audio.samples, generated.samples)
    heard = decode_audio(saved(result, paths))
    assert heard is not None
    # Opus decodes to the exact length written: the fitted track, never longer than the video
    assert heard.samples.shape[0] == round(heard_s * RATE)
    if offset > 0:
        assert np.abs(heard.samples[: round(offset * RATE) - 960]).max() < 1e-3  # silence before the track


def test_save_video_without_audio(warm: Executor, paths: Paths) -> None:
    workflow = film()
    workflow.disconnect("out", "video")
    workflow.connect("render", "video", "out", "video")
    path = saved(warm.run(workflow), paths)
    assert probe(path).has_audio is False and decode_audio(path) is None


def test_preview_video_is_half_size_in_temp(warm: Executor, paths: Paths) -> None:
    result = warm.run(film(sink="PreviewVideo"))
    [entry] = result.ui["out"]["videos"]
    assert entry["type"] == "temp" and entry["format"] == "video/mp4"
    path = saved(result, paths)
    assert paths.temp in path.parents
    assert not paths.output.exists() or not any(paths.output.rglob("*.mp4"))
    info = probe(path)
    assert (info.width, info.height) == ((WIDTH // 4) * 2, (HEIGHT // 4) * 2)
    assert info.frames == FRAMES and info.has_audio
    decoded = all_frames(path)
    assert decoded.shape == (FRAMES, (HEIGHT // 4) * 2, (WIDTH // 4) * 2, 3)
    assert tag(path, METADATA_KEY) is None


# ---- SaveAudio, LoadAudio, MixAudio --------------------------------------------------------------
@pytest.mark.parametrize("file_format", ["wav", "flac"])
def test_save_audio(warm: Executor, paths: Paths, file_format: str) -> None:
    workflow = Workflow()
    workflow.add_node("LoadWorld", {"source": "preset", "preset": "alpine_meadow", "seed": 0}, node_id="load")
    workflow.add_node("WanderRollout", {"mode": "walk", "duration": SECONDS, "fps": FPS}, node_id="wander")
    workflow.add_node("GenerateAudio", {"seed": 3}, node_id="audio")
    workflow.add_node("SaveAudio", {"format": file_format, "filename_prefix": "sound/walk"}, node_id="out")
    workflow.connect("load", "world", "wander", "world")
    workflow.connect("wander", "latent", "audio", "latent")
    workflow.connect("audio", "audio", "out", "audio")
    result = warm.run(workflow)
    [entry] = result.ui["out"]["audio"]
    assert entry == {"filename": f"walk_00001_.{file_format}", "subfolder": "sound", "type": "output"}
    path = paths.resolve("output", entry["filename"], entry["subfolder"])
    data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    info = soundfile.info(path)
    assert rate == RATE and info.channels == 2
    assert info.subtype == {"wav": "FLOAT", "flac": "PCM_24"}[file_format]
    generated: AudioTrack = result.output("audio", "audio")
    assert data.shape == generated.samples.shape
    np.testing.assert_allclose(data, np.clip(generated.samples, -1, 1), atol=0 if file_format == "wav" else 2.0 ** -22)


def test_load_audio_from_the_input_folder(executor: Executor, paths: Paths) -> None:
    samples = one_shots(0.5, [0.1, 0.2])
    write_wav(paths.input / "sfx" / "clicks.wav", samples)
    result = executor.run(audio_graph({"a": {"audio": "sfx/clicks.wav", "start": 1.25}}))
    track: AudioTrack = result.output("a", "audio")
    assert track.start == 1.25 and track.rate == RATE
    np.testing.assert_array_equal(track.samples, samples)


def test_load_audio_resamples(executor: Executor, paths: Paths) -> None:
    t = np.arange(22_050) / 44_100
    write_wav(paths.input / "tone.wav", (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), 44_100)
    track: AudioTrack = executor.run(audio_graph({"a": {"audio": "tone.wav"}})).output("a", "audio")
    assert abs(track.samples.shape[0] - 24_000) <= 1 and track.samples.shape[1] == 2


def test_load_audio_missing_file(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True, exist_ok=True)
    error = failure(executor, audio_graph({"a": {"audio": "not-there.wav"}}))
    assert error.node_id == "a" and error.class_type == "LoadAudio"
    assert "not-there.wav" in error.message and "'audio'" in error.message


@pytest.mark.parametrize("content", [b"RIFF garbage, not a wave" * 20, b""], ids=["corrupt", "empty"])
def test_load_audio_corrupt_file(executor: Executor, paths: Paths, content: bytes) -> None:
    paths.input.mkdir(parents=True, exist_ok=True)
    (paths.input / "broken.flac").write_bytes(content)
    error = failure(executor, audio_graph({"a": {"audio": "broken.flac"}}))
    assert error.node_id == "a" and "broken.flac" in error.message


def test_load_audio_outside_the_input_folder(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True, exist_ok=True)
    write_wav(paths.output / "secret.wav", one_shots(0.1, [0.0]))
    with pytest.raises((NodeExecutionError, graph.WorkflowInvalid)) as caught:
        executor.run(audio_graph({"a": {"audio": "../output/secret.wav"}}))
    assert "secret.wav" in str(caught.value)


def test_load_audio_notices_a_changed_file(executor: Executor, paths: Paths) -> None:
    path = paths.input / "take.wav"
    write_wav(path, one_shots(0.2, [0.05], 0.25))
    first: AudioTrack = executor.run(audio_graph({"a": {"audio": "take.wav"}})).output("a", "audio")
    write_wav(path, one_shots(0.3, [0.05], 0.75))
    second: AudioTrack = executor.run(audio_graph({"a": {"audio": "take.wav"}})).output("a", "audio")
    assert first.samples.shape[0] == round(0.2 * RATE) and second.samples.shape[0] == round(0.3 * RATE)
    assert second.samples.max() == pytest.approx(0.75)


def test_mix_audio_offset_shifts_samples_exactly(executor: Executor, paths: Paths) -> None:
    a = one_shots(1.0, [0.1, 0.5])
    b = one_shots(0.5, [0.0, 0.3], 0.25)
    write_wav(paths.input / "a.wav", a)
    write_wav(paths.input / "b.wav", b)
    result = executor.run(audio_graph({"a": {"audio": "a.wav"}, "b": {"audio": "b.wav", "start": 0.1}},
                                      {"gain_a": 0.5, "gain_b": 2.0, "offset_b": 0.25}))
    mixed: AudioTrack = result.output("mix", "audio")
    assert mixed.start == 0.0 and mixed.samples.shape == (round(1.0 * RATE), 2)
    expected = a * np.float32(0.5)
    shift = round(0.35 * RATE)  # the file's own start (0.1 s) plus the offset (0.25 s): 16800 samples
    expected[shift:shift + b.shape[0]] += b[: expected.shape[0] - shift] * np.float32(2.0)
    np.testing.assert_array_equal(mixed.samples, expected)
    assert set(np.nonzero(mixed.samples[:, 0])[0].tolist()) == {4800, 24000, 16800, 16800 + 14400}


def test_mix_audio_extends_to_the_shifted_end_and_fades(executor: Executor, paths: Paths) -> None:
    write_wav(paths.input / "ones.wav", np.ones((RATE, 2), np.float32) * 0.5)
    result = executor.run(audio_graph({"a": {"audio": "ones.wav"}, "b": {"audio": "ones.wav"}},
                                      {"offset_b": 1.0, "fade_in": 0.5, "fade_out": 0.25}))
    mixed: AudioTrack = result.output("mix", "audio")
    assert mixed.samples.shape == (2 * RATE, 2)
    assert mixed.samples[0, 0] == 0.0 and mixed.samples[-1, 0] == 0.0
    np.testing.assert_allclose(mixed.samples[RATE // 2: RATE + RATE // 2], 0.5)
    np.testing.assert_allclose(mixed.samples[: RATE // 2, 0], np.linspace(0, 0.5, RATE // 2), atol=1e-6)


def test_mix_audio_without_b(executor: Executor, paths: Paths) -> None:
    a = one_shots(0.5, [0.25])
    write_wav(paths.input / "a.wav", a)
    result = executor.run(audio_graph({"a": {"audio": "a.wav"}}, {"gain_a": 3.0}))
    np.testing.assert_array_equal(result.output("mix", "audio").samples, a * np.float32(3.0))


def test_mix_audio_negative_offset_shifts_b_earlier(executor: Executor, paths: Paths) -> None:
    write_wav(paths.input / "a.wav", np.zeros((RATE, 2), np.float32))
    write_wav(paths.input / "b.wav", one_shots(1.0, [0.5]))
    result = executor.run(audio_graph({"a": {"audio": "a.wav"}, "b": {"audio": "b.wav"}}, {"offset_b": -0.25}))
    mixed: AudioTrack = result.output("mix", "audio")
    assert np.nonzero(mixed.samples[:, 0])[0].tolist() == [round(0.25 * RATE)]


# ---- LoadVideo ---------------------------------------------------------------------------------
def test_load_video_of_a_saved_video(warm: Executor, paths: Paths) -> None:
    path = saved(warm.run(film()), paths)
    paths.input.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, paths.input / "walk.mp4")
    workflow = Workflow()
    workflow.add_node("LoadVideo", {"video": "walk.mp4", "segment_frames": 8}, node_id="lv")
    workflow.add_node("PreviewValue", node_id="show")
    workflow.connect("lv", "video", "show", "value")
    result = warm.run(workflow)
    video: VideoStream = result.output("lv", "video")
    audio: AudioTrack = result.output("lv", "audio")
    assert (video.frame_count, video.fps, video.width, video.height) == (FRAMES, FPS, WIDTH, HEIGHT)
    assert video.segment_frames == 8 and video.segment_count == 3 and len(set(video.keys)) == 3
    segments = list(video.segments())
    assert [s.shape[0] for s in segments] == [8, 8, 4]
    np.testing.assert_array_equal(np.concatenate(segments), all_frames(path))
    np.testing.assert_array_equal(video.frame(13), segments[1][5])
    np.testing.assert_array_equal(video.frame(2), segments[0][2])  # going back decodes again
    assert video.audio is audio
    assert audio.rate == RATE and abs(audio.samples.shape[0] - round(SECONDS * RATE)) <= 1024
    assert float(np.abs(audio.samples).max()) > 1e-3
    # and it saves again, sound and all
    resave = Workflow()
    resave.add_node("LoadVideo", {"video": "walk.mp4", "segment_frames": 8}, node_id="lv")
    resave.add_node("SaveVideo", {"filename_prefix": "again"}, node_id="out")
    resave.connect("lv", "video", "out", "video")
    again = saved(warm.run(resave), paths)
    assert probe(again).frames == FRAMES and probe(again).has_audio


def test_load_video_missing_and_broken(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True, exist_ok=True)
    (paths.input / "junk.mp4").write_bytes(b"\x00" * 1000)
    for name in ("absent.mp4", "junk.mp4"):
        workflow = Workflow()
        workflow.add_node("LoadVideo", {"video": name}, node_id="lv")
        workflow.add_node("PreviewValue", node_id="show")
        workflow.connect("lv", "video", "show", "value")
        error = failure(executor, workflow)
        assert error.node_id == "lv" and name in error.message


def test_load_video_of_a_30_fps_mkv(executor: Executor, paths: Paths) -> None:
    frames = np.zeros((60, 48, 64, 3), np.uint8)
    frames[:, :, :, 0] = np.arange(60, dtype=np.uint8)[:, None, None] * 4
    segments = [media.video.encode_segment(frames[k:k + 30], 30, FORMATS["mkv"], "draft") for k in (0, 30)]
    write(paths.input / "thirty.mkv", FORMATS["mkv"], 30, 60, 30, segments, AudioTrack.silence(2.0), {})
    workflow = Workflow()
    workflow.add_node("LoadVideo", {"video": "thirty.mkv", "segment_frames": 30}, node_id="lv")
    workflow.add_node("PreviewValue", node_id="show")
    workflow.connect("lv", "video", "show", "value")
    video: VideoStream = executor.run(workflow).output("lv", "video")
    assert video.frame_count == 60
    assert sum(segment.shape[0] for segment in video.segments()) == 60


@pytest.mark.parametrize("segment_frames, message", [
    (300, "input 'segment_frames' = 300: 300 frames of 1920x1080 are 1.74 GiB, over the limit of 1 GiB per "
          f"segment ({SEGMENT_VARIABLE}); at most 172 frames of that size fit"),
    (172, None),
])
def test_load_video_keeps_a_segment_within_the_segment_budget(executor: Executor, paths: Paths, segment_frames: int,
                                                              message: str | None) -> None:
    frames = np.zeros((2, 1080, 1920, 3), np.uint8)
    segment = media.video.encode_segment(frames, 30, FORMATS["mp4"], "draft")
    write(paths.input / "full-hd.mp4", FORMATS["mp4"], 30, 2, 2, [segment], None, {})
    workflow = Workflow()
    workflow.add_node("LoadVideo", {"video": "full-hd.mp4", "segment_frames": segment_frames}, node_id="lv")
    workflow.add_node("PreviewValue", node_id="show")
    workflow.connect("lv", "video", "show", "value")
    if message is None:
        assert executor.run(workflow).output("lv", "video").segment(0).shape == (2, 1080, 1920, 3)
    else:
        error = failure(executor, workflow)
        assert (error.node_id, error.exception_type, error.message) == ("lv", "FrameBudgetError", message)


# ---- the default workflow ----------------------------------------------------------------------
def test_default_workflow_validates(registry: graph.NodeRegistry) -> None:
    workflow = Workflow.load(WORKFLOWS / "default.json", registry)
    execution_plan = graph.plan(workflow, registry)
    assert execution_plan is not None
    classes = {node.class_type for node in workflow.nodes.values()}
    assert {"GenerateAudio", "MuxAudio", "SaveVideo", "RenderVideo"} <= classes
    save = next(node for node in workflow.nodes.values() if node.class_type == "SaveVideo")
    assert save.inputs["format"] == "mp4" and save.inputs["embed_workflow"] is True

