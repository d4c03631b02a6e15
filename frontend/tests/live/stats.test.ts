// @vitest-environment node
/** A session's measurements. */
import { describe, expect, test } from 'vitest';
import type { FrameHeader } from '../../src/live/protocol';
import { LiveStats, percentile } from '../../src/live/stats';

const frame = (index: number, inputSeq = 0): FrameHeader => ({ frame: index, time: index / 30, pose: [0, 0, 0, 0, 0], input_seq: inputSeq });

describe('LiveStats', () => {
  test('latency runs from sending an input to drawing the first frame that reflects it', () => {
    const stats = new LiveStats('2', [320, 180], 0);
    stats.sentInput(1, 100);
    stats.sentInput(2, 110);
    stats.drawn(frame(1, 0), 120);
    expect(stats.latencies).toEqual([]);
    stats.drawn(frame(2, 2), 150); // reflects 1 and 2
    expect(stats.latencies).toEqual([50, 40]);
    stats.drawn(frame(3, 2), 180); // counted once
    expect(stats.latencies).toEqual([50, 40]);
    expect(stats.firstDrawnAt).toBe(120);
    expect(stats.framesDrawn).toBe(3);
  });

  test('frames the server dropped: its count in the header, and the gaps in the frame index; bytes add up', () => {
    const stats = new LiveStats('2', [320, 180], 0);
    for (const [index, dropped] of [[0, 0], [1, 0], [4, 2], [5, 2], [9, 5]]) stats.received({ ...frame(index), dropped }, 1000);
    expect(stats.dropped).toBe(5);
    expect(stats.gaps).toBe(5);
    expect(stats.bytes).toBe(5000);
    expect(stats.framesReceived).toBe(5);
    stats.receivedAudio(300);
    stats.receivedAudio(300);
    expect([stats.audioMessages, stats.audioBytes, stats.audioBuffered]).toEqual([2, 600, 0]);
  });

  test('without the server\'s count (an older server), the gaps are the drops', () => {
    const stats = new LiveStats('2', [320, 180], 0);
    for (const index of [0, 3, 4]) stats.received(frame(index), 1);
    expect([stats.dropped, stats.gaps]).toEqual([2, 2]);
  });

  test('the median of the last 30 latencies', () => {
    const stats = new LiveStats('2', [320, 180], 0);
    for (let seq = 1; seq <= 40; seq++) {
      stats.sentInput(seq, 0);
      stats.drawn(frame(seq, seq), seq < 11 ? 1000 : seq);
    }
    expect(stats.latencyP50).toBe(25);
  });
});

test('percentile', () => {
  expect(percentile([], 50)).toBeNull();
  expect(percentile([3, 1, 2], 50)).toBe(2);
  expect(percentile([1, 2, 3, 4], 95)).toBe(4);
  expect(percentile([1, 2, 3, 4], 50)).toBe(2);
});
