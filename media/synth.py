"""Sound synthesis: ambience beds and one-shot sounds, mixed sample-accurately into a stereo track.

Inputs are plain values (curves, timed events), so any layer can describe a scene and have it heard.
Everything is deterministic by seed.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.signal import butter, sosfilt

from .audio import RATE, AudioTrack


@dataclass(frozen=True)
class Event:
    time: float
    kind: str    # step (the listener's own), character_step, land, call, cut
    voice: str   # surface for steps and landings; hiker, robot, deer for calls; whoosh for cuts
    gain: float
    pan: float   # -1 left .. 1 right


def _rng(seed: int, *parts: object) -> np.random.Generator:
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _sos(kind: str, cutoff: float | tuple[float, float], order: int = 2) -> np.ndarray:
    return butter(order, cutoff, btype=kind, fs=RATE, output="sos")


def _noise(rng: np.random.Generator, samples: int) -> np.ndarray:
    return rng.standard_normal((samples, 2), dtype=np.float32)


def _pan(mono: np.ndarray, pan: float, gain: float) -> np.ndarray:
    angle = (pan + 1.0) * math.pi / 4
    return np.stack([mono * math.cos(angle), mono * math.sin(angle)], axis=1) * np.float32(gain)


# ---- ambience ---------------------------------------------------------------------------------
BLOCK_SECONDS = 10.0  # a whole track is made block by block: memory does not grow with its length


class _FilteredNoise:
    """Stereo noise through a filter whose state carries across blocks (no seams)."""

    def __init__(self, rng: np.random.Generator, sos: np.ndarray) -> None:
        self.rng = rng
        self.sos = sos
        self.state = np.zeros((sos.shape[0], 2, 2))

    def next(self, samples: int) -> np.ndarray:
        out, self.state = sosfilt(self.sos, _noise(self.rng, samples), axis=0, zi=self.state)
        return out.astype(np.float32)


class _Wind:
    def __init__(self, rng: np.random.Generator) -> None:
        self.noise, self.phase = _FilteredNoise(rng, _sos("lowpass", 420.0)), rng.random() * 6.0

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        gusts = 0.6 + 0.25 * np.sin(2 * np.pi * 0.07 * t + self.phase) + 0.15 * np.sin(2 * np.pi * 0.19 * t)
        return self.noise.next(env.shape[0]) * (env * gusts * 0.9)[:, None]


class _Rain:
    def __init__(self, rng: np.random.Generator) -> None:
        self.when, self.size = rng.spawn(2)  # streams of their own: drops do not depend on the block length
        self.hiss = _FilteredNoise(rng, _sos("highpass", 1800.0))
        self.sos = _sos("bandpass", (1500.0, 6000.0))
        self.state = np.zeros((self.sos.shape[0], 2, 2))

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        samples = env.shape[0]
        clicks = np.zeros((samples, 2))
        falling = self.when.random((samples, 2)) < 0.0015
        clicks[falling] = self.size.uniform(-0.5, 0.5, int(np.count_nonzero(falling)))
        drops, self.state = sosfilt(self.sos, clicks, axis=0, zi=self.state)
        return (self.hiss.next(samples) * 0.09 + drops.astype(np.float32) * 0.6) * env[:, None]


class _Snow:
    def __init__(self, rng: np.random.Generator) -> None:
        self.noise = _FilteredNoise(rng, _sos("lowpass", 250.0))

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.noise.next(env.shape[0]) * (env * 0.35)[:, None]


class _Water:
    def __init__(self, rng: np.random.Generator) -> None:
        self.noise = _FilteredNoise(rng, _sos("bandpass", (180.0, 1100.0)))

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        lapping = 0.55 + 0.45 * np.sin(2 * np.pi * 0.23 * t) * np.sin(2 * np.pi * 0.07 * t + 1.0)
        return self.noise.next(env.shape[0]) * (env * lapping * 0.5)[:, None]


class _Insects:
    DELAY = 900  # samples the right channel lags, for width

    def __init__(self, rng: np.random.Generator) -> None:
        self.phase = rng.random() * 6.0
        self.tail = np.zeros(self.DELAY, dtype=np.float32)

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        carrier = np.sin(2 * np.pi * 4600.0 * t)
        pulses = (np.sin(2 * np.pi * 32.0 * t) > 0.2).astype(np.float32)
        chirps = (np.sin(2 * np.pi * 1.4 * t + self.phase) > 0.3).astype(np.float32)
        mono = (carrier * pulses * chirps * env * 0.025).astype(np.float32)
        delayed = np.concatenate([self.tail, mono])
        self.tail = delayed[-self.DELAY:]
        return np.stack([mono, delayed[: mono.shape[0]]], axis=1)


class _Layer(Protocol):
    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray: ...


_AMBIENCE: dict[str, Callable[[np.random.Generator], _Layer]] = {
    "wind": _Wind, "rain": _Rain, "snow": _Snow, "water": _Water, "insects": _Insects,
}


def _bird_song(rng: np.random.Generator) -> np.ndarray:
    syllables = []
    base = rng.uniform(2200.0, 4200.0)
    for _ in range(int(rng.integers(2, 6))):
        length = int(rng.uniform(0.05, 0.14) * RATE)
        t = np.arange(length) / RATE
        sweep = base * (1 + rng.uniform(-0.35, 0.35) * t / t[-1])
        phase = 2 * np.pi * np.cumsum(sweep) / RATE + 0.3 * np.sin(2 * np.pi * 40 * t)
        syllables.append(np.sin(phase) * np.sin(np.pi * t / t[-1]) ** 2)
        syllables.append(np.zeros(int(rng.uniform(0.02, 0.08) * RATE)))
    return np.concatenate(syllables).astype(np.float32)


class _Birds:
    """Songs at random instants, 0.9 a second on average (each gap drawn as it comes, so the songs do not
    depend on how long the track is or how it is cut), each sung with the chance its curve gives then."""

    PER_SECOND = 0.9

    def __init__(self, rng: np.random.Generator, start: float) -> None:
        self.rng = rng
        self.when = start + rng.exponential(1.0 / self.PER_SECOND)

    def songs(self, stop: int, level: Callable[[float], float]) -> list[tuple[int, np.ndarray]]:
        """The songs that start before sample ``stop``: (first sample, stereo samples)."""
        songs = []
        while round(self.when * RATE) < stop:
            chance = level(self.when)
            if chance > 0.01 and self.rng.random() < chance:
                song = _pan(_bird_song(self.rng), self.rng.uniform(-0.9, 0.9), 0.05 * self.rng.uniform(0.4, 1.0))
                songs.append((round(self.when * RATE), song))
            self.when += self.rng.exponential(1.0 / self.PER_SECOND)
        return songs


# ---- one-shots --------------------------------------------------------------------------------
_SURFACES = {  # band (Hz), decay (s), crunch
    "grass": ((250.0, 2500.0), 0.07, 0.3), "sand": ((150.0, 1400.0), 0.09, 0.1),
    "snow": ((600.0, 5000.0), 0.11, 0.8), "stone": ((400.0, 3500.0), 0.04, 0.0),
    "water": ((100.0, 1800.0), 0.16, 0.5),
}


def footstep(surface: str, rng: np.random.Generator, loud: float = 1.0) -> np.ndarray:
    band, decay, crunch = _SURFACES.get(surface, _SURFACES["grass"])
    length = int(decay * 4 * RATE)
    t = np.arange(length) / RATE
    body = sosfilt(_sos("bandpass", band), rng.standard_normal(length), axis=0) * np.exp(-t / decay)
    grit = (rng.random(length) < 0.02 * crunch) * rng.standard_normal(length) * np.exp(-t / (decay * 2))
    thump = np.sin(2 * np.pi * 70 * t) * np.exp(-t / 0.03) * (0.6 if surface != "snow" else 0.2)
    click = np.sin(2 * np.pi * 900 * t) * np.exp(-t / 0.01) * (0.5 if surface == "stone" else 0.0)
    return ((body * 0.8 + grit * 0.4 + thump + click) * 0.5 * loud).astype(np.float32)


def call(voice: str, rng: np.random.Generator) -> np.ndarray:
    if voice == "robot":
        tones = [rng.choice([660.0, 880.0, 990.0, 1320.0]) for _ in range(3)]
        parts = []
        for tone in tones:
            t = np.arange(int(0.09 * RATE)) / RATE
            parts += [np.sign(np.sin(2 * np.pi * tone * t)) * 0.25, np.zeros(int(0.04 * RATE))]
        return np.concatenate(parts).astype(np.float32)
    pitch, formants, seconds = ((135.0, (700.0, 1200.0), 0.45) if voice == "hiker" else (420.0, (900.0, 2300.0), 0.6))
    length = int(seconds * RATE)
    t = np.arange(length) / RATE
    glide = pitch * (1.0 + 0.25 * np.sin(np.pi * t / seconds)) * (1 + 0.02 * np.sin(2 * np.pi * 6 * t))
    source = 2 * ((np.cumsum(glide) / RATE) % 1.0) - 1.0
    voiced = sum(sosfilt(_sos("bandpass", (f * 0.8, f * 1.2)), source) for f in formants)
    return (voiced * np.sin(np.pi * t / seconds) ** 0.5 * 0.6).astype(np.float32)


def whoosh(rng: np.random.Generator) -> np.ndarray:
    length = int(0.45 * RATE)
    t = np.arange(length) / RATE
    noise = rng.standard_normal(length)
    low = sosfilt(_sos("lowpass", 900.0), noise)
    high = sosfilt(_sos("highpass", 2500.0), noise)
    mix = low * (1 - t / t[-1]) + high * (t / t[-1])
    return (mix * np.sin(np.pi * t / t[-1]) ** 2 * 0.35).astype(np.float32)


CHORD = 4 * RATE  # samples from one chord to the next; each rings on a second longer


def _chord_roots(seed: int) -> Iterator[float]:
    rng = _rng(seed, "music")
    roots = [220.0, 174.61, 261.63, 196.0]
    for index in itertools.count():
        yield roots[(index + int(rng.integers(0, 4))) % len(roots)]


def _chord(index: int, root: float, samples: int) -> np.ndarray:
    """The first ``samples`` samples of chord ``index`` (at most CHORD + RATE)."""
    t = np.arange(min(CHORD + RATE, samples)) / RATE
    shape = np.minimum(1.0, t / 1.5) * np.exp(-np.maximum(t - 3.0, 0) / 0.8)
    tone = sum(np.sin(2 * np.pi * root * ratio * t) / (1 + i) for i, ratio in enumerate((1.0, 1.25, 1.5, 2.0)))
    return _pan((tone * shape * 0.05).astype(np.float32), 0.3 * ((index % 2) * 2 - 1), 1.0)


def music_bed(seconds: float, seed: int) -> np.ndarray:
    """A slow, quiet pad: one chord every four seconds from a gentle progression."""
    samples = round(seconds * RATE)
    out = np.zeros((samples, 2), dtype=np.float32)
    for index, (start, root) in enumerate(zip(range(0, samples, CHORD), _chord_roots(seed), strict=False)):
        chord = _chord(index, root, samples - start)
        out[start:start + chord.shape[0]] += chord
    return out


# ---- the mix ----------------------------------------------------------------------------------
class _Curve:
    """An ambience curve as it arrives, from control frame ``first`` on. Frame k's value sits at time
    (k + 0.5) / rate; between values it is interpolated and beyond the ends held, exactly as ``np.interp``
    over the whole curve gives (only the values around the asked times are looked at)."""

    def __init__(self, first: int, rate: float) -> None:
        self.first, self.rate = first, rate
        self.buffer = np.zeros(64, np.float32)
        self.length = 0

    @property
    def end(self) -> int:
        return self.first + self.length

    @property
    def values(self) -> np.ndarray:
        return self.buffer[:self.length]

    def extend(self, values: np.ndarray) -> None:
        values = np.asarray(values, np.float32).reshape(-1)
        if self.length + values.shape[0] > self.buffer.shape[0]:
            grown = np.zeros(2 * (self.length + values.shape[0]), np.float32)
            grown[:self.length] = self.values
            self.buffer = grown
        self.buffer[self.length:self.length + values.shape[0]] = values
        self.length += values.shape[0]

    def at(self, t: np.ndarray) -> np.ndarray:
        lo = min(max(self.first, math.floor(t[0] * self.rate - 0.5) - 1), self.end - 1)
        hi = max(min(self.end, math.ceil(t[-1] * self.rate - 0.5) + 2), lo + 1)
        points = (np.arange(lo, hi) + 0.5) / self.rate
        return np.interp(t, points, self.buffer[lo - self.first:hi - self.first]).astype(np.float32)

    def value(self, frame: int) -> float:
        return float(self.buffer[min(max(frame, self.first), self.end - 1) - self.first])

    def forget_before(self, frame: int) -> None:
        drop = min(frame, self.end - 1) - self.first
        if drop > 4096:  # now and then: the values before are never asked for again
            self.buffer = self.buffer[drop:].copy()
            self.first, self.length = self.first + drop, self.length - drop


Voice = tuple[int, np.ndarray]  # first sample, stereo samples


def _mix(voices: list[Voice], out: np.ndarray, position: int) -> list[Voice]:
    """Adds what sounds of ``voices`` in ``out`` (which starts at sample ``position``); those still
    sounding after it."""
    stop = position + out.shape[0]
    ringing = []
    for start, sound in voices:
        lo, hi = max(start, position), min(start + sound.shape[0], stop)
        if hi > lo:
            out[lo - position:hi - position] += sound[lo - start:hi - start]
        if start + sound.shape[0] > stop:
            ringing.append((start, sound))
    return ringing


class Synth:
    """A scene's sound, made chunk by chunk as its curves and events arrive.

    ``ambience()`` appends control values (one per frame at ``control_rate``, from ``start_frame`` on) and
    ``add()`` events; ``render(samples)`` makes the next samples. Filters, noise, delays, bird songs and
    one-shots carry over from chunk to chunk, so the chunks joined are sample for sample what one chunk of
    the whole would be, however it is cut. What a chunk needs must have arrived before it is made: the
    curve values around its times (frame k's value is centred on (k + 0.5) / control_rate, so after frame
    k the sound is settled up to frame k's time) and the events that start in it (an event that comes after
    its start was made is heard from then on, its head cut). A layer starts at the first sample where its
    envelope exceeds 0.01. The mix is raw: ``render()`` (the whole track) keeps headroom by scaling it,
    a live stream with ``media.pcm``'s limiter.
    """

    def __init__(self, control_rate: float, seed: int = 0, gains: Mapping[str, float] | None = None,
                 music: bool = False, transitions: bool = True, start_frame: int = 0) -> None:
        self.control_rate, self.seed, self.music, self.transitions = float(control_rate), seed, music, transitions
        self.gains = {"ambience": 1.0, "steps": 1.0, "characters": 1.0, "transitions": 1.0, "music": 1.0,
                      **(gains or {})}
        self.start_frame = start_frame
        self.position = self.sample_of(start_frame)
        self.curves: dict[str, _Curve] = {}
        self.layers: dict[str, _Layer] = {}
        self.birds = _Birds(_rng(seed, "birds"), self.position / RATE)
        self.pending: list[tuple[int, int, Event]] = []  # a heap by first sample, then order of arrival
        self.count = 0
        self.chords = _chord_roots(seed)
        self.next_chord = 0
        self.voices: dict[str, list[Voice]] = {"birds": [], "events": [], "music": []}

    def sample_of(self, frame: int) -> int:
        """The first sample of control frame ``frame``."""
        return round(frame * RATE / self.control_rate)

    def ambience(self, curves: Mapping[str, np.ndarray | Sequence[float]]) -> None:
        """The next values of each named curve (wind, rain, snow, water, insects, birds)."""
        for name, values in curves.items():
            if name in _AMBIENCE or name == "birds":
                if name not in self.curves:
                    self.curves[name] = _Curve(self.start_frame, self.control_rate)
                self.curves[name].extend(np.asarray(values))

    def add(self, events: Iterable[Event]) -> None:
        """Events, in the order a whole track would list them (their sounds are drawn by that order)."""
        for event in events:
            number, self.count = self.count, self.count + 1
            if event.kind in ("step", "land", "character_step", "call") or (event.kind == "cut" and self.transitions):
                heapq.heappush(self.pending, (round(event.time * RATE), number, event))

    def render(self, samples: int) -> np.ndarray:
        """The next ``samples`` samples, float32 ``[samples, 2]``."""
        start, stop = self.position, self.position + samples
        out = np.zeros((samples, 2), dtype=np.float32)
        if samples <= 0:
            return out
        t = np.arange(start, stop, dtype=np.float64) / RATE
        ambience = np.float32(self.gains["ambience"])
        for name, make in _AMBIENCE.items():
            curve = self.curves.get(name)
            if curve is None:
                continue
            env = curve.at(t)
            first = 0
            if name not in self.layers:
                heard = np.flatnonzero(env > 0.01)
                if not heard.shape[0]:
                    continue
                first = int(heard[0])
                self.layers[name] = make(_rng(self.seed, name))
            out[first:] += self.layers[name].block(env[first:], t[first:].astype(np.float32)) * ambience
        birds = self.curves.get("birds")
        if birds is not None:
            self.voices["birds"] += self.birds.songs(
                stop, lambda when: float(np.float32(birds.value(int(when * self.control_rate))) * ambience))
        while self.pending and self.pending[0][0] < stop:
            first_sample, number, event = heapq.heappop(self.pending)
            self.voices["events"].append((first_sample, self._sound(number, event)))
        while self.music and self.next_chord * CHORD < stop:
            chord = _chord(self.next_chord, next(self.chords), CHORD + RATE)
            self.voices["music"].append((self.next_chord * CHORD, chord * np.float32(self.gains["music"])))
            self.next_chord += 1
        for group, voices in self.voices.items():
            self.voices[group] = _mix(voices, out, start)
        self.position = stop
        for curve in self.curves.values():
            curve.forget_before(math.floor(stop / RATE * self.control_rate) - 2)
        return out

    def _sound(self, number: int, event: Event) -> np.ndarray:
        rng = _rng(self.seed, number, event.kind, round(event.time * 1000))
        if event.kind == "call":
            group, sound = "characters", call(event.voice, rng)
        elif event.kind == "cut":
            group, sound = "transitions", whoosh(rng)
        else:
            group = "characters" if event.kind == "character_step" else "steps"
            sound = footstep(event.voice, rng, 1.6 if event.kind == "land" else 1.0)
        return _pan(sound, event.pan, event.gain * self.gains[group])


def render(duration: float, control_rate: float, ambience: Mapping[str, np.ndarray], events: Iterable[Event],
           seed: int = 0, gains: Mapping[str, float] | None = None, music: bool = False,
           transitions: bool = True) -> AudioTrack:
    """The scene as a 48 kHz stereo track of exactly ``duration`` seconds (a ``Synth`` fed everything at
    once, rendered block by block so memory does not grow with the length).

    ``gains`` scale the groups ``ambience``, ``steps``, ``characters``, ``transitions``, ``music``.
    """
    synth = Synth(control_rate, seed, gains, music, transitions)
    synth.ambience(ambience)
    synth.add(events)
    samples = round(duration * RATE)
    out = np.zeros((samples, 2), dtype=np.float32)
    block = round(BLOCK_SECONDS * RATE)
    for first in range(0, samples, block):
        out[first:first + block] = synth.render(min(block, samples - first))
    peak = float(np.max(np.abs(out), initial=0.0))
    if peak > 0.98:  # keep headroom without changing where anything happens
        out *= np.float32(0.98 / peak)
    return AudioTrack(out, RATE, 0.0)
