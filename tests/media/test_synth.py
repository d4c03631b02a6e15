"""media.synth: deterministic ambience and one-shots mixed sample-accurately into a stereo track."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from media import synth
from media.audio import RATE
from media.synth import Event, render

FPS = 10.0


def curves(seconds: float, **levels: float) -> dict[str, np.ndarray]:
    """Constant ambience curves at FPS values per second."""
    return {name: np.full(round(seconds * FPS), level, np.float32) for name, level in levels.items()}


FULL = {"wind": 0.5, "rain": 0.6, "snow": 0.3, "water": 0.4, "insects": 0.5, "birds": 1.0}
EVENTS = [Event(0.5, "step", "grass", 1.0, 0.0), Event(1.0, "call", "hiker", 0.8, 0.4),
          Event(1.4, "character_step", "sand", 0.5, -0.6), Event(2.0, "cut", "whoosh", 0.8, 0.0),
          Event(2.5, "land", "stone", 1.0, 0.0), Event(2.7, "call", "robot", 0.5, 0.0),
          Event(2.9, "call", "deer", 0.5, 0.0)]


def first_above(channel: np.ndarray, threshold: float = 1e-3) -> int:
    return int(np.nonzero(np.abs(channel) > threshold)[0][0])


def energy(samples: np.ndarray) -> float:
    return float(np.sum(samples.astype(np.float64) ** 2))


def high_share(mono: np.ndarray, cutoff: float = 2000.0) -> float:
    """The share of a sound's energy above ``cutoff`` Hz."""
    spectrum = np.abs(np.fft.rfft(mono.astype(np.float64))) ** 2
    frequencies = np.fft.rfftfreq(mono.shape[0], 1 / RATE)
    return float(spectrum[frequencies > cutoff].sum() / spectrum.sum())


# ---- determinism and shape ----------------------------------------------------------------------
def test_same_seed_same_samples_other_seed_other_samples() -> None:
    first = render(3.0, FPS, curves(3.0, **FULL), EVENTS, seed=7, music=True)
    again = render(3.0, FPS, curves(3.0, **FULL), EVENTS, seed=7, music=True)
    other = render(3.0, FPS, curves(3.0, **FULL), EVENTS, seed=8, music=True)
    np.testing.assert_array_equal(first.samples, again.samples)
    assert not np.array_equal(first.samples, other.samples)
    assert np.abs(first.samples - other.samples).max() > 0.01


@pytest.mark.parametrize("seconds", [0.5, 1.0, 2.345678, 3.0])
def test_exact_length_and_format(seconds: float) -> None:
    track = render(seconds, FPS, curves(seconds, wind=0.5, birds=1.0), [Event(0.2, "step", "grass", 1.0, 0.0)])
    assert track.samples.shape == (round(seconds * RATE), 2)
    assert track.samples.dtype == np.float32
    assert track.rate == RATE and track.start == 0.0
    assert np.isfinite(track.samples).all()


def test_events_outside_the_clip_are_cut_off_not_wrapped() -> None:
    track = render(1.0, FPS, {}, [Event(-0.05, "step", "grass", 1.0, 0.0), Event(0.99, "step", "grass", 1.0, 0.0),
                                  Event(5.0, "step", "grass", 1.0, 0.0)])
    assert track.samples.shape == (RATE, 2)
    assert np.abs(track.samples[:10]).max() > 0  # the tail of the early step
    assert np.abs(track.samples[int(0.5 * RATE):int(0.98 * RATE)]).max() < 1e-3  # the early step has faded


def test_peak_is_limited_without_moving_anything() -> None:
    loud = [Event(0.3 + 0.01 * i, "land", "stone", 4.0, 0.0) for i in range(12)]
    track = render(1.5, FPS, curves(1.5, **FULL), loud, seed=2, gains={"steps": 4.0, "ambience": 4.0})
    peak = float(np.abs(track.samples).max())
    assert 0.9 < peak <= 0.98 + 1e-6
    assert first_above(track.samples[:, 0], 0.2) >= round(0.3 * RATE)  # the onset did not move


def test_silence_without_anything() -> None:
    track = render(1.0, FPS, curves(1.0, wind=0.0, rain=0.005), [])
    assert not track.samples.any()


# ---- events ------------------------------------------------------------------------------------
@pytest.mark.parametrize("when", [0.5, 0.123456, 1.2345])
@pytest.mark.parametrize("kind", ["step", "land", "character_step"])
def test_step_onset_at_the_exact_sample(kind: str, when: float) -> None:
    track = render(2.0, FPS, {}, [Event(when, kind, "grass", 1.0, 0.0)])
    onset = first_above(track.samples[:, 0])
    assert abs(onset - round(when * RATE)) <= 3, (onset, round(when * RATE))


@pytest.mark.parametrize(("kind", "voice"), [("call", "hiker"), ("call", "robot"), ("call", "deer"),
                                             ("cut", "whoosh")])
def test_other_onsets_do_not_start_early(kind: str, voice: str) -> None:
    track = render(2.0, FPS, {}, [Event(0.5, kind, voice, 1.0, 0.0)])
    onset = first_above(track.samples[:, 0], 1e-4)
    assert round(0.5 * RATE) <= onset < round(0.5 * RATE) + 0.1 * RATE


def test_onset_within_ambience() -> None:
    """A step over a quiet wind bed: the onset stands out at its sample."""
    quiet = render(2.0, FPS, curves(2.0, wind=0.05), [], seed=3)
    track = render(2.0, FPS, curves(2.0, wind=0.05), [Event(1.0, "step", "stone", 1.0, 0.0)], seed=3)
    difference = track.samples[:, 0] - quiet.samples[:, 0]
    assert abs(first_above(difference) - RATE) <= 3


@pytest.mark.parametrize("pan", [-1.0, -0.5, 0.0, 0.3, 1.0])
def test_pan_follows_the_event(pan: float) -> None:
    track = render(1.0, FPS, {}, [Event(0.2, "step", "grass", 1.0, pan)])
    left, right = track.samples[:, 0].astype(np.float64), track.samples[:, 1].astype(np.float64)
    angle = (pan + 1.0) * math.pi / 4
    # constant power: the same sound, scaled by cos/sin of the pan angle
    assert energy(track.samples) > 1.0
    np.testing.assert_allclose(left * math.sin(angle), right * math.cos(angle), atol=1e-6)
    if pan < 0:
        assert energy(left) > energy(right)
    elif pan > 0:
        assert energy(right) > energy(left)
    else:
        np.testing.assert_array_equal(left, right)
    if abs(pan) == 1.0:
        assert np.abs(track.samples[:, 0 if pan > 0 else 1]).max() < 1e-6


def test_gain_scales_an_event_linearly() -> None:
    one = render(1.0, FPS, {}, [Event(0.2, "call", "hiker", 0.2, 0.0)])
    two = render(1.0, FPS, {}, [Event(0.2, "call", "hiker", 0.4, 0.0)])
    np.testing.assert_allclose(two.samples, one.samples * 2, atol=1e-6)


@pytest.mark.parametrize(("group", "kinds"), [("steps", ("step", "land")), ("characters", ("character_step", "call")),
                                              ("transitions", ("cut",))])
def test_a_group_gain_of_zero_silences_the_group(group: str, kinds: tuple[str, ...]) -> None:
    own = [e for e in EVENTS if e.kind in kinds]
    alone = render(3.0, FPS, {}, own, seed=4, gains={group: 0.0})
    assert not alone.samples.any()
    assert render(3.0, FPS, {}, own, seed=4).samples.any()
    # with everything else playing, the group's events are what is missing
    quiet = render(3.0, FPS, {}, EVENTS, seed=4, gains={group: 0.0})
    full = render(3.0, FPS, {}, EVENTS, seed=4)
    assert energy(quiet.samples) < energy(full.samples)


def test_ambience_gain_of_zero_leaves_only_the_events() -> None:
    events_only = render(3.0, FPS, {}, EVENTS, seed=5)
    muted = render(3.0, FPS, curves(3.0, **FULL), EVENTS, seed=5, gains={"ambience": 0.0})
    np.testing.assert_allclose(muted.samples, events_only.samples, atol=1e-6)


def test_half_gain_halves_a_group() -> None:
    calls = [Event(0.2, "call", "deer", 0.5, 0.0)]
    full = render(1.0, FPS, {}, calls, seed=6)
    half = render(1.0, FPS, {}, calls, seed=6, gains={"characters": 0.5})
    np.testing.assert_allclose(half.samples * 2, full.samples, atol=1e-6)


def test_transitions_false_drops_cut_whooshes() -> None:
    cuts = [Event(0.3, "cut", "whoosh", 0.8, 0.0), Event(1.3, "cut", "whoosh", 0.8, 0.0)]
    assert energy(render(2.0, FPS, {}, cuts).samples) > 1.0
    assert not render(2.0, FPS, {}, cuts, transitions=False).samples.any()
    step = [Event(0.5, "step", "grass", 1.0, 0.0)]
    with_steps = render(2.0, FPS, {}, [*step, *cuts], transitions=False)
    np.testing.assert_array_equal(with_steps.samples, render(2.0, FPS, {}, step).samples)


def test_unknown_kinds_are_ignored() -> None:
    assert not render(1.0, FPS, {}, [Event(0.2, "explosion", "boom", 1.0, 0.0)]).samples.any()


def test_music_adds_energy_and_its_gain_scales_it() -> None:
    bed = curves(6.0, wind=0.2)
    plain = render(6.0, FPS, bed, [], seed=1)
    scored = render(6.0, FPS, bed, [], seed=1, music=True)
    assert energy(scored.samples) > energy(plain.samples) * 1.1
    music = scored.samples - plain.samples
    assert np.abs(music[RATE:]).max() > 0.01  # it plays across the clip
    louder = render(6.0, FPS, bed, [], seed=1, music=True, gains={"music": 2.0})
    np.testing.assert_allclose(louder.samples - plain.samples, music * 2, atol=1e-5)
    silent = render(6.0, FPS, bed, [], seed=1, music=True, gains={"music": 0.0})
    np.testing.assert_array_equal(silent.samples, plain.samples)


def test_music_bed_is_exactly_as_long_as_asked() -> None:
    assert synth.music_bed(9.5, 0).shape == (round(9.5 * RATE), 2)
    assert np.array_equal(synth.music_bed(5.0, 3), synth.music_bed(5.0, 3))


# ---- ambience ----------------------------------------------------------------------------------
@pytest.mark.parametrize("layer", ["wind", "rain", "snow", "water", "insects", "birds"])
def test_each_ambience_layer_sounds_and_follows_its_curve(layer: str) -> None:
    seconds = 4.0
    curve = np.zeros(round(seconds * FPS), np.float32)
    curve[20:] = 1.0  # silent for two seconds, then full
    track = render(seconds, FPS, {layer: curve}, [], seed=9)
    # (the first 1000 samples are left out here: see test_insects_do_not_wrap_around)
    quiet, loud = track.samples[1000: int(1.8 * RATE)], track.samples[int(2.2 * RATE):]
    assert energy(loud) > 0.01
    assert energy(quiet) < energy(loud) * 1e-3


def test_insects_do_not_wrap_around() -> None:
    """Insects that only start late in a clip (night falling) must not be heard in its first samples."""
    curve = np.zeros(40, np.float32)
    curve[20:] = 1.0
    track = render(4.0, FPS, {"insects": curve}, [], seed=9)
    assert np.abs(track.samples[:1000]).max() < 1e-4


@pytest.mark.parametrize("layer", ["wind", "snow", "water", "birds"])
def test_ambience_blocks_join_without_seams(monkeypatch: pytest.MonkeyPatch, layer: str) -> None:
    """Ambience is made in blocks with filter state carried across: the block length changes nothing."""
    bed = {layer: np.linspace(0.2, 1.0, 120, dtype=np.float32)}
    default = render(12.0, FPS, bed, [], seed=1)
    monkeypatch.setattr(synth, "BLOCK_SECONDS", 3.0)
    np.testing.assert_array_equal(render(12.0, FPS, bed, [], seed=1).samples, default.samples)


def test_insects_right_channel_is_a_plain_delay() -> None:
    track = render(12.0, FPS, curves(12.0, insects=1.0), [], seed=1)
    left, right = track.samples[:, 0], track.samples[:, 1]
    np.testing.assert_allclose(right[900:], left[:-900], atol=1e-6)


def test_rain_is_brighter_than_wind() -> None:
    wind = render(2.0, FPS, curves(2.0, wind=1.0), [], seed=1).samples[:, 0]
    rain = render(2.0, FPS, curves(2.0, rain=1.0), [], seed=1).samples[:, 0]
    assert high_share(rain) > 0.8 > 0.2 > high_share(wind)


def test_louder_curve_louder_layer() -> None:
    soft = render(2.0, FPS, curves(2.0, wind=0.25), [], seed=1)
    hard = render(2.0, FPS, curves(2.0, wind=1.0), [], seed=1)
    assert energy(hard.samples) == pytest.approx(16 * energy(soft.samples), rel=0.01)


# ---- one-shots ---------------------------------------------------------------------------------
def test_footstep_surfaces_differ_spectrally() -> None:
    shares = {}
    for surface in ("grass", "sand", "snow", "stone", "water"):
        sound = synth.footstep(surface, synth._rng(0, surface))
        assert np.abs(sound).max() > 0.05
        shares[surface] = high_share(sound)
    assert shares["snow"] > 2 * shares["grass"]
    assert shares["snow"] > 5 * shares["sand"]
    assert shares["grass"] > shares["sand"]


def test_footstep_surfaces_differ_in_a_render() -> None:
    def step(surface: str) -> np.ndarray:
        return render(1.0, FPS, {}, [Event(0.2, "step", surface, 1.0, 0.0)]).samples[:, 0]

    assert high_share(step("snow")) > 5 * high_share(step("sand"))
    assert not np.array_equal(step("stone"), step("grass"))


def test_unknown_surface_sounds_like_grass() -> None:
    rng_a, rng_b = synth._rng(1, "x"), synth._rng(1, "x")
    np.testing.assert_array_equal(synth.footstep("lava", rng_a), synth.footstep("grass", rng_b))


def test_landing_is_a_louder_step() -> None:
    soft = synth.footstep("sand", synth._rng(2, "y"))
    hard = synth.footstep("sand", synth._rng(2, "y"), 1.6)
    np.testing.assert_allclose(hard, soft * 1.6, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("voice", ["hiker", "robot", "deer"])
def test_calls_differ_by_voice(voice: str) -> None:
    sound = synth.call(voice, synth._rng(0, voice))
    assert 0.2 * RATE < sound.shape[0] < 0.7 * RATE
    assert np.abs(sound).max() > 0.05
    others = [synth.call(v, synth._rng(0, voice)) for v in ("hiker", "robot", "deer") if v != voice]
    assert all(o.shape != sound.shape or not np.allclose(o, sound) for o in others)


# ---- streaming: the same sound chunk by chunk ---------------------------------------------------
def scene_30fps(seconds: float = 6.0) -> tuple[dict[str, np.ndarray], list[Event]]:
    """Every layer moving (night falling, rain coming in), steps between frames and sounds across chunk joins."""
    frames = round(seconds * 30)
    ramp = np.linspace(0.0, 1.0, frames, dtype=np.float32)
    bed = {"wind": 0.3 + 0.4 * ramp, "rain": np.clip(2 * ramp - 1, 0, 1), "snow": 0.2 * ramp,
           "water": np.full(frames, 0.4, np.float32), "insects": ramp, "birds": 1 - ramp}
    events = [Event(round(0.05 + 0.37 * i, 4), "step", "grass", 0.8, 0.0) for i in range(int(seconds / 0.37))]
    events += [Event(1.3, "call", "hiker", 0.6, 0.4), Event(2.61, "cut", "whoosh", 0.8, 0.0),
               Event(3.0, "land", "stone", 1.0, 0.0), Event(3.2, "call", "deer", 0.5, -0.3),
               Event(4.0, "character_step", "snow", 0.4, 0.7), Event(4.01, "call", "robot", 0.5, 0.0)]
    return {name: curve.astype(np.float32) for name, curve in bed.items()}, sorted(events, key=lambda e: e.time)


def chunked(bed: dict[str, np.ndarray], events: list[Event], sizes: list[int], total: int, **options: object
            ) -> np.ndarray:
    stream = synth.Synth(30.0, seed=11, **options)  # type: ignore[arg-type]
    stream.ambience(bed)
    stream.add(events)
    parts, done = [], 0
    for size in itertools.cycle(sizes):
        parts.append(stream.render(min(size, total - done)))
        done += parts[-1].shape[0]
        if done == total:
            return np.concatenate(parts)
    raise AssertionError


@pytest.mark.parametrize("sizes", [[1600], [533, 534, 533], [1, 7, 4800, 331], [RATE * 6]])
def test_chunks_join_into_exactly_the_whole_track(sizes: list[int]) -> None:
    """However the stream is cut, the chunks put together are render()'s track sample for sample (bit for bit;
    render() scales the track only when its peak passes 0.98, which this scene does not)."""
    bed, events = scene_30fps()
    whole = render(6.0, 30.0, bed, events, seed=11, music=True)
    assert float(np.abs(whole.samples).max()) < 0.98  # no headroom scaling: the comparison is exact
    np.testing.assert_array_equal(chunked(bed, events, sizes, 6 * RATE, music=True), whole.samples)


def test_a_stream_fed_frame_by_frame_is_the_whole_track() -> None:
    """Live play's order: frame f's curve values and the events up to its time arrive, then the sound up to
    frame f's time is made. The result is render()'s track over the same scene, bit for bit."""
    bed, events = scene_30fps()
    whole = render(6.0, 30.0, bed, events, seed=11).samples
    stream = synth.Synth(30.0, seed=11)
    parts = []
    for frame in range(180):
        stream.ambience({name: curve[frame:frame + 1] for name, curve in bed.items()})
        stream.add(e for e in events if (frame - 1) / 30 < e.time <= frame / 30)
        if frame % 2 == 0:
            parts.append(stream.render(stream.sample_of(frame) - stream.position))
    parts.append(stream.render(6 * RATE - stream.position))
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_a_sound_that_straddles_a_chunk_join_goes_on_in_the_next_chunk() -> None:
    stream = synth.Synth(30.0)
    stream.add([Event(0.1, "cut", "whoosh", 1.0, 0.0)])  # 0.45 s long: a join 0.2 s into it
    first, second = stream.render(round(0.3 * RATE)), stream.render(RATE)
    assert np.abs(first[-100:]).max() > 0.01 and np.abs(second[:100]).max() > 0.01
    tail = round(0.25 * RATE)  # where it ends
    assert np.abs(second[tail - 2000:tail]).max() > 0
    assert not second[tail:].any()


def test_chunk_joins_make_no_clicks() -> None:
    """The largest step between neighbouring samples at the joins is no larger than inside the chunks."""
    bed, events = scene_30fps()
    audio = chunked(bed, events, [533, 534, 533], 6 * RATE)
    steps = np.abs(np.diff(audio[:, 0]))
    joins = np.cumsum([533, 534, 533] * 3000)
    joins = joins[joins < audio.shape[0]] - 1
    assert steps[joins].max() <= steps.max() and steps[joins].mean() < 3 * steps.mean()


def test_a_layer_starts_where_its_envelope_first_passes_a_hundredth() -> None:
    rain = np.concatenate([np.zeros(30, np.float32), np.full(30, 0.5, np.float32)])  # in at 1 s
    audio = synth.Synth(30.0)
    audio.ambience({"rain": rain})
    samples = audio.render(2 * RATE)
    envelope_on = np.interp(np.arange(2 * RATE) / RATE, (np.arange(60) + 0.5) / 30, rain) > 0.01
    first = int(np.flatnonzero(envelope_on)[0])
    assert not samples[:first].any() and np.abs(samples[first:first + 4800]).max() > 0


def test_a_stream_can_start_at_a_later_frame() -> None:
    """A live session from frame 42 of a walk: the stream's samples are that frame's on."""
    stream = synth.Synth(10.0, start_frame=42)
    assert stream.position == round(4.2 * RATE)
    stream.ambience({"wind": np.zeros(20, np.float32)})
    stream.add([Event(4.45, "step", "grass", 1.0, 0.0)])
    samples = stream.render(RATE)
    assert abs(first_above(samples[:, 0]) - round(0.25 * RATE)) <= 3


def test_the_stream_forgets_old_curve_values() -> None:
    """An hour of live play keeps only the curve values still to be heard."""
    stream = synth.Synth(30.0)
    for _ in range(6000):
        stream.ambience({"wind": [0.3]})
        stream.render(1600)
    assert stream.curves["wind"].length < 5000
    assert stream.curves["wind"].end == 6000
