// @vitest-environment node
/** Frames are drawn newest only: one waits while another decodes, and a newer one replaces it. */
import { afterEach, expect, test, vi } from 'vitest';
import { FramePainter } from '../../src/live/painter';
import type { FrameHeader } from '../../src/live/protocol';

const header = (frame: number): FrameHeader => ({ frame, time: frame / 30, pose: [0, 0, 0, 0, 0], input_seq: 0 });

afterEach(() => vi.unstubAllGlobals());

test('a frame that comes while one decodes waits; a newer one replaces it; nothing queues', async () => {
  const decodes: { blob: Blob; done(bitmap: unknown): void }[] = [];
  vi.stubGlobal('createImageBitmap', (blob: Blob) => new Promise((done) => decodes.push({ blob, done })));
  const drawImage = vi.fn();
  const canvas = { width: 0, height: 0, getContext: () => ({ drawImage }) } as unknown as HTMLCanvasElement;
  const drawn: number[] = [];
  let skipped = 0;
  const painter = new FramePainter(canvas, (h) => drawn.push(h.frame), () => skipped++);
  const bitmap = { width: 320, height: 180, close: vi.fn() };
  painter.push(header(1), new Blob(['1']));
  painter.push(header(2), new Blob(['2']));
  painter.push(header(3), new Blob(['3']));
  expect(decodes).toHaveLength(1);
  decodes[0].done(bitmap);
  await vi.waitFor(() => expect(decodes).toHaveLength(2));
  expect(await decodes[1].blob.text()).toBe('3');
  decodes[1].done(bitmap);
  await vi.waitFor(() => expect(drawn).toEqual([1, 3]));
  expect(skipped).toBe(1);
  expect([canvas.width, canvas.height]).toEqual([320, 180]);
  expect(bitmap.close).toHaveBeenCalledTimes(2);
  painter.push(header(2), new Blob(['old'])); // older than what is shown
  expect(decodes).toHaveLength(2);
});
