// @vitest-environment node
/** JPEG frames are drawn newest only: one waits while another decodes, and a newer one replaces it; each ends acknowledged. */
import { afterEach, expect, test, vi } from 'vitest';
import { JpegPainter } from '../../src/live/painter';
import type { FrameHeader } from '../../src/live/protocol';

const header = (frame: number): FrameHeader => ({ frame, time: frame / 30, pose: [0, 0, 0, 0, 0], input_seq: 0 });
const bytes = (text: string) => new TextEncoder().encode(text);

afterEach(() => vi.unstubAllGlobals());

function setUp() {
  const decodes: { blob: Blob; done(bitmap: unknown): void; fail(): void }[] = [];
  vi.stubGlobal('createImageBitmap', (blob: Blob) => new Promise((done, fail) => decodes.push({ blob, done, fail })));
  const drawImage = vi.fn();
  const canvas = { width: 0, height: 0, getContext: () => ({ drawImage }) } as unknown as HTMLCanvasElement;
  const seen = { drawn: [] as number[], done: [] as number[], skipped: 0 };
  const events = { drawn: (h: FrameHeader) => seen.drawn.push(h.frame), done: (h: FrameHeader) => seen.done.push(h.frame), skipped: () => seen.skipped++ };
  return { painter: new JpegPainter(canvas, events), decodes, canvas, seen };
}

test('a frame that comes while one decodes waits; a newer one replaces it; nothing queues', async () => {
  const { painter, decodes, canvas, seen } = setUp();
  const bitmap = { width: 320, height: 180, close: vi.fn() };
  painter.push(header(1), bytes('1'));
  painter.push(header(2), bytes('2'));
  painter.push(header(3), bytes('3'));
  expect(decodes).toHaveLength(1);
  expect(decodes[0].blob.type).toBe('image/jpeg');
  decodes[0].done(bitmap);
  await vi.waitFor(() => expect(decodes).toHaveLength(2));
  expect(await decodes[1].blob.text()).toBe('3');
  decodes[1].done(bitmap);
  await vi.waitFor(() => expect(seen.drawn).toEqual([1, 3]));
  expect(seen.done).toEqual([1, 3]); // 3 acknowledges 2 as well
  expect(seen.skipped).toBe(1);
  expect([canvas.width, canvas.height]).toEqual([320, 180]);
  expect(bitmap.close).toHaveBeenCalledTimes(2);
  painter.push(header(2), bytes('old')); // older than what is shown
  expect(decodes).toHaveLength(2);
});

test('a frame that does not decode is skipped and still acknowledged, so the server sends on', async () => {
  const { painter, decodes, seen } = setUp();
  painter.push(header(1), bytes('broken'));
  decodes[0].fail();
  await vi.waitFor(() => expect(seen.done).toEqual([1]));
  expect(seen).toMatchObject({ drawn: [], skipped: 1 });
});
