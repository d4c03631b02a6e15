// @vitest-environment node
/** The live socket: the start message after the greeting, numbered messages, and binary routing (frames, sound). */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { LiveConnection } from '../../src/live/connection';
import { packBinary } from '../../src/live/protocol';

class FakeSocket {
  static OPEN = 1;
  static last: FakeSocket;
  readyState = 1;
  binaryType = '';
  sent: unknown[] = [];
  closed = false;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.closed = true;
  }
}

const handlers = () => ({ onNote: vi.fn(), onFrame: vi.fn(), onAudio: vi.fn(), onClose: vi.fn() });
const start = { prompt: { nodes: {} }, node: '2', size: [320, 180] as [number, number], start: 0, codec: 'h264' as const, window: 2, audio: true };

beforeEach(() => vi.stubGlobal('WebSocket', FakeSocket));
afterEach(() => vi.unstubAllGlobals());

describe('LiveConnection', () => {
  test('says what to play once greeted, then numbers its messages', () => {
    const on = handlers();
    const live = new LiveConnection(start, on, 'ws://host/live');
    const socket = FakeSocket.last;
    expect(socket.binaryType).toBe('arraybuffer');
    expect(socket.sent).toEqual([]);
    socket.onmessage!({ data: '{"type":"hello","max_size":[1280,720],"sessions":0,"max_sessions":2}' });
    expect(socket.sent).toEqual([{ type: 'start', ...start }]);
    expect(on.onNote).toHaveBeenCalledWith(expect.objectContaining({ type: 'hello' }));
    const held = { move: [1, 0, 0] as [number, number, number], look: [0, 0] as [number, number], jump: false, sprint: false, crouch: false };
    expect(live.input(held)).toBe(1);
    expect(live.event({ type: 'PlotEvent', kind: 'weather', value: 'snow' })).toBe(2);
    expect(live.ack(41)).toBe(3);
    expect(live.end(true)).toBe(4);
    expect(socket.sent.slice(1)).toEqual([
      { type: 'input', seq: 1, ...held },
      { type: 'event', seq: 2, event: { type: 'PlotEvent', kind: 'weather', value: 'snow' } },
      { type: 'ack', seq: 3, frame: 41 },
      { type: 'end', seq: 4, keep: true },
    ]);
  });

  test('frames go to onFrame with their payload; messages with "type": "audio" go whole to the sound player', () => {
    const on = handlers();
    new LiveConnection(start, on, 'ws://host/live');
    const frame = packBinary({ frame: 4, time: 0.1, pose: [0, 0, 0, 0, 0], input_seq: 1, codec: 'h264', key: true, dropped: 0 },
      new Uint8Array([0, 0, 0, 1, 9]));
    const audio = packBinary({ type: 'audio', time: 0 }, new Uint8Array(16));
    FakeSocket.last.onmessage!({ data: frame });
    FakeSocket.last.onmessage!({ data: audio });
    FakeSocket.last.onmessage!({ data: new ArrayBuffer(1) });
    expect(on.onFrame).toHaveBeenCalledTimes(1);
    const [header, payload, bytes] = on.onFrame.mock.calls[0];
    expect(header).toMatchObject({ frame: 4, input_seq: 1, codec: 'h264', key: true });
    expect([...(payload as Uint8Array)]).toEqual([0, 0, 0, 1, 9]);
    expect(bytes).toBe(frame.byteLength);
    expect(on.onAudio).toHaveBeenCalledWith(audio);
  });

  test('a close from the other side is reported; closing it ourselves is not', () => {
    const on = handlers();
    const live = new LiveConnection(start, on, 'ws://host/live');
    FakeSocket.last.onclose!();
    expect(on.onClose).toHaveBeenCalledTimes(1);
    live.close();
    expect(FakeSocket.last.closed).toBe(true);
    expect(FakeSocket.last.onclose).toBeNull();
  });
});
