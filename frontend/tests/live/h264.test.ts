// @vitest-environment node
/** H.264 frames: every one decoded in order, each picture drawn and closed, a failed decoder waits for a key frame. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { H264_CODEC, H264Painter } from '../../src/live/h264';
import type { FrameHeader } from '../../src/live/protocol';

const header = (frame: number, key = false): FrameHeader =>
  ({ frame, time: frame / 30, pose: [0, 0, 0, 0, 0], input_seq: 0, codec: 'h264', key, dropped: 0 });

class FakeChunk {
  constructor(readonly init: { type: string; timestamp: number; data: Uint8Array }) {}
}

class FakeDecoder {
  static all: FakeDecoder[] = [];
  state = 'unconfigured';
  config: unknown = null;
  chunks: FakeChunk[] = [];
  constructor(readonly init: { output(frame: unknown): void; error(error: Error): void }) {
    FakeDecoder.all.push(this);
  }
  configure(config: unknown) {
    this.config = config;
    this.state = 'configured';
  }
  decode(chunk: FakeChunk) {
    if (this.state !== 'configured') throw new Error('closed');
    this.chunks.push(chunk);
  }
  close() {
    this.state = 'closed';
  }
  /** Give the picture of the chunk at `index`. */
  picture(index: number, close = vi.fn()) {
    this.init.output({ timestamp: this.chunks[index].init.timestamp, displayWidth: 320, displayHeight: 180, close });
    return close;
  }
  static isConfigSupported = vi.fn(async (config: { codec: string }) => ({ supported: config.codec === H264_CODEC, config }));
}

beforeEach(() => {
  FakeDecoder.all = [];
  vi.stubGlobal('VideoDecoder', FakeDecoder);
  vi.stubGlobal('EncodedVideoChunk', FakeChunk);
});
afterEach(() => vi.unstubAllGlobals());

function setUp() {
  const drawImage = vi.fn();
  const canvas = { width: 0, height: 0, getContext: () => ({ drawImage }) } as unknown as HTMLCanvasElement;
  const seen = { drawn: [] as number[], done: [] as number[], skipped: 0 };
  const painter = new H264Painter(canvas, {
    drawn: (h) => seen.drawn.push(h.frame), done: (h) => seen.done.push(h.frame), skipped: () => seen.skipped++,
  });
  return { painter, canvas, drawImage, seen };
}

describe('H264Painter', () => {
  test('every frame goes to the decoder in order; each picture is drawn, closed and acknowledged', () => {
    const { painter, canvas, drawImage, seen } = setUp();
    painter.push(header(0, true), new Uint8Array([0, 0, 0, 1, 0x67]));
    painter.push(header(1), new Uint8Array([0, 0, 0, 1, 0x41]));
    painter.push(header(2), new Uint8Array([2]));
    const [decoder] = FakeDecoder.all;
    expect(decoder.config).toEqual({ codec: 'avc1.640028', optimizeForLatency: true });
    expect(decoder.chunks.map((c) => [c.init.type, c.init.timestamp])).toEqual([['key', 0], ['delta', 1], ['delta', 2]]);
    expect([...decoder.chunks[0].init.data]).toEqual([0, 0, 0, 1, 0x67]);
    const closed = decoder.picture(0);
    expect(closed).toHaveBeenCalledTimes(1);
    expect([canvas.width, canvas.height]).toEqual([320, 180]);
    decoder.picture(2); // no picture came for 1: skipped, acknowledged by 2
    expect(drawImage).toHaveBeenCalledTimes(2);
    expect(seen).toEqual({ drawn: [0, 2], done: [0, 2], skipped: 1 });
  });

  test('delta frames before the first key frame cannot be decoded: acknowledged undrawn', () => {
    const { painter, seen } = setUp();
    painter.push(header(5), new Uint8Array([1]));
    expect(FakeDecoder.all).toHaveLength(0);
    expect(seen).toEqual({ drawn: [], done: [5], skipped: 1 });
  });

  test('a decoder that fails gives up what it held and a new one starts at the next key frame', () => {
    const { painter, seen } = setUp();
    painter.push(header(0, true), new Uint8Array([1]));
    painter.push(header(1), new Uint8Array([1]));
    FakeDecoder.all[0].init.error(new Error('bad stream'));
    expect(FakeDecoder.all[0].state).toBe('closed');
    expect(seen).toEqual({ drawn: [], done: [1], skipped: 2 });
    painter.push(header(2), new Uint8Array([1]));
    expect(FakeDecoder.all).toHaveLength(1);
    painter.push(header(60, true), new Uint8Array([1]));
    expect(FakeDecoder.all).toHaveLength(2);
    FakeDecoder.all[1].picture(0);
    expect(seen.drawn).toEqual([60]);
  });

  test('stopped: the decoder is closed and later pictures are closed undrawn', () => {
    const { painter, drawImage } = setUp();
    painter.push(header(0, true), new Uint8Array([1]));
    const [decoder] = FakeDecoder.all;
    painter.stop();
    expect(decoder.state).toBe('closed');
    const close = decoder.picture(0);
    expect(close).toHaveBeenCalled();
    expect(drawImage).not.toHaveBeenCalled();
  });
});
