/** Live sound (live/audio.ts): sound messages parsed as the server packs them, scheduled back to back. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { AudioContextLike } from '../../src/live/audio';
import { createLiveAudio, LEAD, MAX_LEAD, parseAudio, readHeader, schedule } from '../../src/live/audio';

const here = dirname(fileURLToPath(import.meta.url));
/** Messages packed by live.protocol (tests/fixtures/make_fixtures.py live). */
const fixture = JSON.parse(readFileSync(join(here, '..', 'fixtures', 'live_messages.json'), 'utf8')) as {
  audio: { message: string; header: Record<string, unknown>; samples: number[] };
  frame: { message: string; header: Record<string, unknown> };
};

function bytes(base64: string): ArrayBuffer {
  const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
}

/** A sound message as live.protocol.pack_audio makes one. */
function packAudio(header: Record<string, unknown>, samples: number[]): ArrayBuffer {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new ArrayBuffer(4 + text.length + samples.length * 2);
  const view = new DataView(out);
  view.setUint32(0, text.length, false);
  new Uint8Array(out, 4, text.length).set(text);
  samples.forEach((value, i) => view.setInt16(4 + text.length + 2 * i, value, true));
  return out;
}

const header = (samples: number, extra: Record<string, unknown> = {}) =>
  ({ type: 'audio', frame: 4, time: 0.25, rate: 16000, channels: 2, samples, ...extra });

describe('parseAudio', () => {
  test('reads the server\'s sound message: header and samples per channel', () => {
    const chunk = parseAudio(bytes(fixture.audio.message));
    expect(chunk?.header).toEqual(fixture.audio.header);
    const [left, right] = chunk!.channels;
    const scaled = fixture.audio.samples.map((v) => v / 32768);
    expect(Array.from(left)).toEqual([scaled[0], scaled[2], scaled[4]]);
    expect(Array.from(right)).toEqual([scaled[1], scaled[3], scaled[5]]);
    expect(Math.max(...left)).toBeLessThan(1);
    expect(Math.min(...right)).toBe(-1);
  });

  test('a frame message is not sound: its header has no type', () => {
    const frame = bytes(fixture.frame.message);
    expect(parseAudio(frame)).toBeNull();
    const { header, payload } = readHeader(frame);
    expect(header).toEqual(fixture.frame.header);
    expect(new Uint8Array(frame, payload, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
  });

  test('reads samples that do not start on an even byte', () => {
    const message = packAudio({ ...header(2), time: 0.5 }, [1000, -1000, 32767, -32768]); // odd header length
    expect((4 + JSON.stringify({ ...header(2), time: 0.5 }).length) % 2).toBe(1);
    const chunk = parseAudio(message)!;
    expect(Array.from(chunk.channels[0])).toEqual([1000 / 32768, 32767 / 32768]);
    expect(Array.from(chunk.channels[1])).toEqual([-1000 / 32768, -1]);
  });

  test('mono has one channel', () => {
    const chunk = parseAudio(packAudio(header(3, { channels: 1 }), [1, 2, 3]))!;
    expect(chunk.channels).toHaveLength(1);
    expect(Array.from(chunk.channels[0])).toEqual([1, 2, 3].map((v) => v / 32768));
  });

  test('a sound message that does not hold what its header says is refused, naming why', () => {
    expect(() => parseAudio(packAudio(header(3), [1, 2, 3, 4]))).toThrow('holds 12 bytes, not 8');
    expect(() => parseAudio(packAudio(header(1, { rate: 0 }), [0, 0]))).toThrow("'rate' must be a whole number >= 1");
    expect(() => parseAudio(packAudio(header(1, { channels: 'two' }), [0, 0]))).toThrow("'channels'");
    expect(() => parseAudio(new ArrayBuffer(2))).toThrow('4-byte header length');
    const short = new ArrayBuffer(8);
    new DataView(short).setUint32(0, 100, false);
    expect(() => parseAudio(short)).toThrow('runs past');
  });
});

describe('schedule', () => {
  test('the first span starts LEAD ahead; the next ones back to back', () => {
    let plan = schedule(null, 10, 0.0667);
    expect(plan.start).toBe(10 + LEAD);
    const first = plan.next!;
    plan = schedule(plan.next, 10.02, 0.0667);
    expect(plan.start).toBe(first);
    expect(plan.next).toBe(first + 0.0667);
  });

  test('a sound that fell behind starts again LEAD ahead', () => {
    const plan = schedule(10.5, 11, 0.1);
    expect(plan).toEqual({ start: 11 + LEAD, next: 11 + LEAD + 0.1 });
  });

  test('a sound too far ahead skips spans until it is within reach again', () => {
    const ahead = 10 + MAX_LEAD + 0.2;
    expect(schedule(ahead, 10, 0.1)).toEqual({ start: null, next: ahead });
    expect(schedule(ahead, 10.3, 0.1)).toEqual({ start: ahead, next: ahead + 0.1 });
  });
});

/** A stand-in AudioContext that records what is scheduled. */
function fakeContext() {
  const started: { at: number; channels: Float32Array[]; rate: number; to: unknown }[] = [];
  const context = {
    currentTime: 5,
    destination: {} as AudioNode,
    closed: false,
    createBuffer(channels: number, length: number, rate: number) {
      const data = Array.from({ length: channels }, () => new Float32Array(length));
      return { data, rate, copyToChannel: (source: Float32Array, c: number) => data[c].set(source) } as unknown as AudioBuffer;
    },
    createBufferSource() {
      const source = {
        buffer: null as unknown as { data: Float32Array[]; rate: number },
        to: null as unknown,
        connect: (to: unknown) => { source.to = to; },
        start: (at: number) => started.push({ at, channels: source.buffer.data, rate: source.buffer.rate, to: source.to }),
      };
      return source as unknown as AudioBufferSourceNode;
    },
    gain: { gain: { value: 1 }, connect: (to: unknown) => { context.gain.to = to; }, to: null as unknown },
    createGain() {
      return context.gain as unknown as GainNode;
    },
    resume: async () => undefined,
    close: async () => { context.closed = true; },
  };
  return { context, started };
}

describe('createLiveAudio', () => {
  test('plays the spans back to back, ignores frames, and stops when closed', () => {
    const { context, started } = fakeContext();
    const audio = createLiveAudio({ context: context as unknown as AudioContextLike });
    const span = (frame: number) => packAudio(header(1600, { frame }), Array.from({ length: 3200 }, (_, i) => (i % 2 ? -frame : frame)));
    audio.push(span(0));
    audio.push(bytes(fixture.frame.message));
    audio.push(span(1));
    context.currentTime = 5.05;
    audio.push(span(2));
    const starts = started.map((s) => s.at);
    [5 + LEAD, 5 + LEAD + 0.1, 5 + LEAD + 0.2].forEach((at, i) => expect(starts[i]).toBeCloseTo(at, 12));
    expect(started[1].rate).toBe(16000);
    expect(started[1].channels[0][0]).toBe(1 / 32768);
    expect(started[1].channels[1][1599]).toBe(-1 / 32768);
    expect(audio.buffered()).toBeCloseTo(LEAD + 0.3 - 0.05);
    audio.close();
    expect(context.closed).toBe(true);
    audio.push(span(3));
    expect(started).toHaveLength(3);
  });

  test('muting turns the output gain to 0 and keeps the schedule', () => {
    const { context, started } = fakeContext();
    const audio = createLiveAudio({ context: context as unknown as AudioContextLike, muted: true });
    expect(context.gain.to).toBe(context.destination);
    expect(context.gain.gain.value).toBe(0);
    audio.push(packAudio(header(1600), new Array(3200).fill(0)));
    expect(started[0].to).toBe(context.gain);
    audio.setMuted(false);
    expect(context.gain.gain.value).toBe(1);
    audio.push(packAudio(header(1600), new Array(3200).fill(0)));
    expect(started[1].at).toBeCloseTo(started[0].at + 0.1, 12);
  });
});
