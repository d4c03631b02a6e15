// @vitest-environment node
/** The live socket's messages: notes and binary frames. */
import { describe, expect, test } from 'vitest';
import { isFrameHeader, packBinary, parseNote, readBinary } from '../../src/live/protocol';

describe('binary messages', () => {
  test('header length, header JSON, payload: read back as written', () => {
    const header = { frame: 3, time: 0.1, pose: [1, 2, 3, 4, 5], input_seq: 2 };
    const message = packBinary(header, new Uint8Array([0xff, 0xd8, 1, 2]));
    const read = readBinary(message)!;
    expect(read.header).toEqual(header);
    expect(isFrameHeader(read.header)).toBe(true);
    expect([...new Uint8Array(message, read.offset)]).toEqual([0xff, 0xd8, 1, 2]);
  });

  test('sound is told by its header; malformed messages are null', () => {
    expect(isFrameHeader(readBinary(packBinary({ type: 'audio', time: 0 }, new Uint8Array(4)))!.header)).toBe(false);
    expect(readBinary(new ArrayBuffer(2))).toBeNull();
    expect(readBinary(new Uint8Array([0, 0, 0, 9, 123]).buffer)).toBeNull();
    expect(readBinary(new Uint8Array([0, 0, 0, 1, 7]).buffer)).toBeNull();
  });
});

describe('parseNote', () => {
  test('the notes the editor knows', () => {
    expect(parseNote('{"type":"hello","max_size":[1280,720],"sessions":1,"max_sessions":2}')).toMatchObject({ type: 'hello', sessions: 1 });
    expect(parseNote('{"type":"ready","fps":30,"frame":0,"size":[320,180],"backend":"procedural"}')).toMatchObject({ fps: 30 });
    expect(parseNote('{"type":"error","seq":3,"message":"no"}')).toEqual({ type: 'error', seq: 3, message: 'no' });
    expect(parseNote('{"type":"recording","keep":null,"keep_refused":"why"}')).toMatchObject({ keep: null });
  });

  test('anything else is null', () => {
    for (const text of ['', 'nope', '[]', '{"type":"ready"}', '{"type":"error"}', '{"type":"other"}']) expect(parseNote(text)).toBeNull();
  });
});
