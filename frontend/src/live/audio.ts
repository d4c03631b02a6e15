/**
 * Live sound (docs/live.md, "The protocol"): the live socket's `audio` messages played through Web Audio.
 *
 * A binary message of the live socket is a 4-byte big-endian header length, the header as JSON, then the
 * payload. Sound headers say `"type": "audio"` (frame headers have no type) with `frame`, `time`, `rate`,
 * `channels` and `samples`; the payload is int16 little-endian PCM, channels interleaved. The spans follow each
 * other without gaps, so they are scheduled back to back on the AudioContext's clock, `LEAD` seconds ahead of
 * now (a jitter buffer for messages that arrive unevenly). If the sound falls behind (messages late, the session
 * slower than real time) it starts again `LEAD` ahead; if it runs more than `MAX_LEAD` ahead (a burst after a
 * stall) spans are skipped until it is back within reach, so the sound never lags the picture by more.
 *
 * Create it on a user gesture (the Play click): browsers only start an AudioContext then. Muting turns a gain
 * down to 0 and keeps scheduling, so unmuting picks up exactly where the sound is.
 */

export interface AudioHeader {
  type: 'audio';
  frame: number;
  time: number;
  rate: number;
  channels: number;
  samples: number;
}

export interface AudioChunk {
  header: AudioHeader;
  /** One array per channel, in [-1, 1). */
  channels: Float32Array[];
}

/** Seconds ahead of now a span is scheduled when the sound (re)starts. */
export const LEAD = 0.12;
/** The furthest ahead the sound may be scheduled before spans are skipped. */
export const MAX_LEAD = 0.5;
/** How close to now the next span may start before the sound counts as fallen behind. */
const MARGIN = 0.01;

/** The JSON header of any binary message of the live socket, and where its payload starts. */
export function readHeader(message: ArrayBuffer): { header: Record<string, unknown>; payload: number } {
  if (message.byteLength < 4) throw new Error(`a live message has a 4-byte header length; this one has ${message.byteLength} bytes`);
  const length = new DataView(message).getUint32(0, false);
  if (4 + length > message.byteLength) throw new Error(`the header length ${length} runs past the message's ${message.byteLength} bytes`);
  const header: unknown = JSON.parse(new TextDecoder().decode(new Uint8Array(message, 4, length)));
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error('a live message header is a JSON object');
  return { header: header as Record<string, unknown>, payload: 4 + length };
}

function whole(header: Record<string, unknown>, name: string, min: number): number {
  const value = header[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`audio header '${name}' must be a whole number >= ${min}, not ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A sound message's header and samples; `null` for any other message (a frame). Throws when a sound message's
 * header or payload is malformed (the error says which field).
 */
export function parseAudio(message: ArrayBuffer): AudioChunk | null {
  const { header, payload } = readHeader(message);
  if (header.type !== 'audio') return null;
  const rate = whole(header, 'rate', 1);
  const channels = whole(header, 'channels', 1);
  const samples = whole(header, 'samples', 0);
  const frame = whole(header, 'frame', 0);
  const time = header.time;
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new Error(`audio header 'time' must be a number of seconds, not ${JSON.stringify(time)}`);
  const bytes = message.byteLength - payload;
  if (bytes !== samples * channels * 2) {
    throw new Error(`an audio message of ${samples} samples of ${channels} channels holds ${samples * channels * 2} bytes, not ${bytes}`);
  }
  const view = new DataView(message, payload); // not necessarily 2-byte aligned: read sample by sample
  const out = Array.from({ length: channels }, () => new Float32Array(samples));
  for (let i = 0; i < samples; i++) {
    for (let c = 0; c < channels; c++) out[c][i] = view.getInt16((i * channels + c) * 2, true) / 32768;
  }
  return { header: { type: 'audio', frame, time, rate, channels, samples }, channels: out };
}

/**
 * Where a span of `duration` seconds starts on the audio clock, given where the last one ended (`next`, null
 * before the first) and the clock now; `start` null: skip it (too far ahead). Pure, so it can be tested.
 */
export function schedule(next: number | null, now: number, duration: number, lead = LEAD, maxLead = MAX_LEAD
): { start: number | null; next: number | null } {
  if (next === null || next < now + MARGIN) return { start: now + lead, next: now + lead + duration };
  if (next > now + maxLead) return { start: null, next };
  return { start: next, next: next + duration };
}

/** The part of an AudioContext live sound uses (tests pass a stand-in). */
export interface AudioContextLike {
  readonly currentTime: number;
  readonly destination: AudioNode;
  createBuffer(channels: number, length: number, rate: number): AudioBuffer;
  createBufferSource(): AudioBufferSourceNode;
  createGain(): GainNode;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export interface LiveAudio {
  /** A binary message of the live socket: sound is played, anything else ignored. */
  push(message: ArrayBuffer): void;
  /** Stop the sound and let the AudioContext go. */
  close(): void;
  /** Seconds of sound scheduled ahead of now: how far the sound trails what arrives. */
  buffered(): number;
  /** Silence the sound (it goes on being scheduled) or bring it back. */
  setMuted(muted: boolean): void;
}

export interface LiveAudioOptions {
  /** The AudioContext to play on; by default a new one at `rate`. */
  context?: AudioContextLike;
  /** The sample rate to open the AudioContext at: the server's (16 kHz), so spans join sample-exactly. */
  rate?: number;
  lead?: number;
  maxLead?: number;
  muted?: boolean;
}

function openContext(rate: number): AudioContextLike {
  try {
    return new AudioContext({ sampleRate: rate, latencyHint: 'interactive' });
  } catch {
    return new AudioContext({ latencyHint: 'interactive' }); // a rate it will not open at: the browser resamples
  }
}

export function createLiveAudio(options: LiveAudioOptions = {}): LiveAudio {
  const context = options.context ?? openContext(options.rate ?? 16000);
  const lead = options.lead ?? LEAD;
  const maxLead = options.maxLead ?? MAX_LEAD;
  let next: number | null = null;
  let closed = false;
  const output = context.createGain();
  output.gain.value = options.muted ? 0 : 1;
  output.connect(context.destination);
  void context.resume().catch(() => undefined);
  return {
    push(message: ArrayBuffer): void {
      if (closed) return;
      const chunk = parseAudio(message);
      if (chunk === null || chunk.header.samples === 0) return;
      const { rate, channels, samples } = chunk.header;
      const planned = schedule(next, context.currentTime, samples / rate, lead, maxLead);
      next = planned.next;
      if (planned.start === null) return;
      const buffer = context.createBuffer(channels, samples, rate);
      chunk.channels.forEach((data, c) => buffer.copyToChannel(data as Float32Array<ArrayBuffer>, c));
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(output);
      source.start(planned.start);
    },
    close(): void {
      if (closed) return;
      closed = true;
      void context.close().catch(() => undefined);
    },
    buffered(): number {
      return next === null ? 0 : Math.max(0, next - context.currentTime);
    },
    setMuted(muted: boolean): void {
      output.gain.value = muted ? 0 : 1;
    },
  };
}

/** Live sound where the browser has Web Audio, else null (the session then asks for no sound). */
export function openLiveAudio(options: LiveAudioOptions = {}): LiveAudio | null {
  if (!options.context && typeof AudioContext === 'undefined') return null;
  try {
    return createLiveAudio(options);
  } catch {
    return null;
  }
}
