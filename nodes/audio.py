"""Audio nodes: sound generated from a world timeline, files in and out, mixing."""

from __future__ import annotations

from typing import Any

from graph import (AUDIO, LATENT, Bool, Choice, Float, Node, NodeResult, NodeSchema, Output, OutputFiles, Paths, Seed,
                   Socket, String)
from media import synth
from media.audio import AudioTrack, encode_file, fade, load, mix
from world import sound
from world.contract import Rollout
from world.store import Store
from world.timeline import ENGINE_VERSION


class GenerateAudio(Node):
    schema = NodeSchema(
        name="GenerateAudio", display_name="Generate audio", category="audio", version=ENGINE_VERSION + "/audio-2",
        description="48 kHz stereo sound from the world: ambience by biome, weather, hour and water, footsteps "
                    "on each step by surface, characters placed by where they are, cut whooshes, a music bed.",
        inputs=(
            Socket("latent", LATENT), Seed("seed", 0),
            Float("ambience", 1.0, min=0.0, max=4.0, step=0.05), Float("steps", 1.0, min=0.0, max=4.0, step=0.05),
            Float("characters", 1.0, min=0.0, max=4.0, step=0.05),
            Bool("transitions", True, tooltip="a whoosh on every cut"),
            Bool("music", False), Float("music_gain", 1.0, min=0.0, max=4.0, step=0.05),
        ),
        outputs=(Output("audio", AUDIO),), context=("store",),
    )

    def run(self, latent: Rollout, seed: int, ambience: float, steps: float, characters: float,
            transitions: bool, music: bool, music_gain: float, store: Store) -> tuple[AudioTrack]:
        scene = sound.scene(latent.walk, store, seed)  # any world sounds like its walk
        events = [synth.Event(e.time, e.kind, e.voice, e.gain, e.pan) for e in scene.events]
        gains = {"ambience": ambience, "steps": steps, "characters": characters, "transitions": 1.0,
                 "music": music_gain}
        return (synth.render(scene.duration, scene.control_rate, scene.ambience, events, seed, gains, music,
                             transitions),)


class LoadAudio(Node):
    schema = NodeSchema(
        name="LoadAudio", display_name="Load audio", category="audio",
        description="A WAV, FLAC or OGG file from the input folder, resampled to 48 kHz stereo.",
        inputs=(String("audio", "", tooltip="file name inside the input folder", upload="audio"),
                Float("start", 0.0, min=0.0, max=3600.0, tooltip="seconds into the timeline")),
        outputs=(Output("audio", AUDIO),), context=("paths",),
    )

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> Any:
        path = paths.resolve("input", constants["audio"])
        stat = path.stat()
        return [stat.st_size, stat.st_mtime_ns]

    def run(self, audio: str, start: float, paths: Paths) -> tuple[AudioTrack]:
        path = paths.resolve("input", audio)
        if not path.is_file():
            raise FileNotFoundError(f"input 'audio' = {audio!r}: no such file in the input folder")
        track = load(path)
        return (AudioTrack(track.samples, track.rate, start),)


class MixAudio(Node):
    schema = NodeSchema(
        name="MixAudio", display_name="Mix audio", category="audio",
        description="Two tracks summed, each with a gain; the second shifted by an offset; fades at both ends.",
        inputs=(
            Socket("a", AUDIO), Socket("b", AUDIO, optional=True),
            Float("gain_a", 1.0, min=0.0, max=8.0, step=0.05), Float("gain_b", 1.0, min=0.0, max=8.0, step=0.05),
            Float("offset_b", 0.0, min=-3600.0, max=3600.0, step=0.01, tooltip="seconds"),
            Float("fade_in", 0.0, min=0.0, max=60.0, step=0.1), Float("fade_out", 0.0, min=0.0, max=60.0, step=0.1),
        ),
        outputs=(Output("audio", AUDIO),),
    )

    def run(self, a: AudioTrack, gain_a: float, gain_b: float, offset_b: float, fade_in: float, fade_out: float,
            b: AudioTrack | None = None) -> tuple[AudioTrack]:
        tracks = [(a, gain_a)]
        if b is not None:
            tracks.append((AudioTrack(b.samples, b.rate, b.start + offset_b), gain_b))  # before 0: its head is cut
        return (fade(mix(tracks), fade_in, fade_out),)


class SaveAudio(Node):
    schema = NodeSchema(
        name="SaveAudio", display_name="Save audio", category="audio",
        description="The track as WAV (32-bit float) or FLAC (24-bit) in the output folder.",
        inputs=(Socket("audio", AUDIO), String("filename_prefix", "audio/worldgraph"),
                Choice("format", ["wav", "flac"], "flac")),
        output_node=True, context=("files",),
    )

    def run(self, audio: AudioTrack, filename_prefix: str, format: str, files: OutputFiles) -> NodeResult:
        return NodeResult((), {"audio": [files.write_bytes("output", filename_prefix, format,
                                                           encode_file(audio, format.upper()))]})


NODES = (GenerateAudio, LoadAudio, MixAudio, SaveAudio)
