/**
 * A session's measurements: the codec, frames received and drawn, frames the server dropped before encoding
 * (its count, in each frame's header; `gaps` counts the same from the frame index), those the viewport never
 * drew (`skipped`: replaced before drawing, or undecodable), bytes of pictures and of sound, the sound
 * scheduled ahead, the frame rate drawn, and latency: from sending an input to drawing the first frame that
 * reflects it.
 *
 * The live object is also `window.__worldgraphLive`, so tools (bench/live.mjs, the browser tests) read the
 * same numbers the HUD shows.
 */
import type { LiveAudio } from './audio';
import type { Codec, FrameHeader } from './protocol';

const KEEP_LATENCIES = 20_000;
const RECENT = 30;

export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface StatsSnapshot {
  node: string;
  size: [number, number];
  fps: number;
  codec: Codec | null;
  framesReceived: number;
  framesDrawn: number;
  dropped: number;
  gaps: number;
  skipped: number;
  /** Frame messages, whole (header and picture). */
  bytes: number;
  audioMessages: number;
  audioBytes: number;
  /** Seconds of sound scheduled ahead of now (0 without sound). */
  audioBuffered: number;
  latencies: number[];
  latencyP50: number | null;
  /** performance.now() of Play, of the first frame drawn, of the latest one drawn. */
  openedAt: number;
  firstDrawnAt: number | null;
  lastDrawnAt: number | null;
  /** The first frame drawn (the session's start frame, unless it was not drawn) and the latest. */
  first: FrameHeader | null;
  last: FrameHeader | null;
  phase: string;
}

export class LiveStats implements StatsSnapshot {
  codec: Codec | null = null;
  framesReceived = 0;
  framesDrawn = 0;
  dropped = 0;
  gaps = 0;
  skipped = 0;
  bytes = 0;
  audioMessages = 0;
  audioBytes = 0;
  /** The session's sound, for `audioBuffered`. */
  sound: LiveAudio | null = null;
  latencies: number[] = [];
  firstDrawnAt: number | null = null;
  lastDrawnAt: number | null = null;
  first: FrameHeader | null = null;
  last: FrameHeader | null = null;
  phase = 'connecting';
  private lastFrame: number | null = null;
  private readonly sent = new Map<number, number>();
  private readonly drawTimes: number[] = [];

  constructor(readonly node: string, readonly size: [number, number], readonly openedAt: number = performance.now()) {}

  /** An input message went out at `at`. */
  sentInput(seq: number, at: number = performance.now()): void {
    this.sent.set(seq, at);
  }

  received(header: FrameHeader, bytes: number): void {
    this.framesReceived += 1;
    this.bytes += bytes;
    if (this.lastFrame !== null && header.frame > this.lastFrame + 1) this.gaps += header.frame - this.lastFrame - 1;
    this.lastFrame = header.frame;
    this.dropped = typeof header.dropped === 'number' ? Math.max(this.dropped, header.dropped) : this.gaps;
  }

  receivedAudio(bytes: number): void {
    this.audioMessages += 1;
    this.audioBytes += bytes;
  }

  get audioBuffered(): number {
    return this.sound?.buffered() ?? 0;
  }

  /** A frame that came was never drawn: a newer one replaced it before it was, or it did not decode. */
  skippedFrame(): void {
    this.skipped += 1;
  }

  drawn(header: FrameHeader, at: number = performance.now()): void {
    this.framesDrawn += 1;
    this.firstDrawnAt ??= at;
    this.lastDrawnAt = at;
    this.first ??= header;
    this.last = header;
    this.drawTimes.push(at);
    while (this.drawTimes.length && this.drawTimes[0] < at - 1000) this.drawTimes.shift();
    for (const [seq, sentAt] of this.sent) {
      if (seq > header.input_seq) continue;
      this.latencies.push(at - sentAt);
      this.sent.delete(seq);
    }
    if (this.latencies.length > KEEP_LATENCIES) this.latencies.splice(0, this.latencies.length - KEEP_LATENCIES);
  }

  /** Frames drawn in the last second. */
  get fps(): number {
    const now = performance.now();
    return this.drawTimes.filter((t) => t >= now - 1000).length;
  }

  /** The median latency of the last ~30 inputs, in ms. */
  get latencyP50(): number | null {
    return percentile(this.latencies.slice(-RECENT), 50);
  }

  /** Publish as `window.__worldgraphLive` (the latest session's). */
  publish(): this {
    (window as unknown as { __worldgraphLive?: LiveStats }).__worldgraphLive = this;
    return this;
  }
}
