/**
 * Frames onto the viewport's canvas. A painter takes each frame message's header and payload in the order
 * they came and says what became of them: drawn, or skipped (never drawn), and `done` — the frame and every
 * one before it no longer needed, which the session acknowledges so the server sends more (docs/live.md:
 * with a window, the server keeps at most that many frames unacknowledged and drops the rest before
 * encoding). A painter that never calls `done` would stop the stream, so each frame ends in one.
 *
 * JPEG frames (here) stand alone and are drawn newest only: while one decodes, a frame that comes waits in a
 * single slot and a later one replaces it. H.264 frames depend on the ones before and are all decoded, in
 * order (`h264.ts`).
 */
import type { FrameHeader } from './protocol';

export interface PainterEvents {
  /** The frame is on the canvas. */
  drawn(header: FrameHeader): void;
  /** This frame and those before it are drawn or will never be: acknowledge it. */
  done(header: FrameHeader): void;
  /** A frame that came will not be drawn (replaced by a newer one, or undecodable). */
  skipped(): void;
}

export interface FrameSink {
  push(header: FrameHeader, payload: Uint8Array): void;
  stop(): void;
}

/** Size the canvas to the picture. */
export function fit(canvas: HTMLCanvasElement, width: number, height: number): void {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
}

interface Pending {
  header: FrameHeader;
  jpeg: Blob;
}

export class JpegPainter implements FrameSink {
  private decoding = false;
  private pending: Pending | null = null;
  private newest = -1;
  private stopped = false;
  private readonly context: CanvasRenderingContext2D | null;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly events: PainterEvents) {
    this.context = canvas.getContext('2d');
  }

  push(header: FrameHeader, payload: Uint8Array): void {
    if (this.stopped || header.frame < this.newest) return;
    if (this.pending) this.events.skipped();
    this.pending = { header, jpeg: new Blob([payload as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }) };
    if (!this.decoding) void this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.pending = null;
  }

  private async drain(): Promise<void> {
    this.decoding = true;
    while (this.pending && !this.stopped) {
      const { header, jpeg } = this.pending;
      this.pending = null;
      try {
        const bitmap = await createImageBitmap(jpeg);
        if (!this.stopped) {
          fit(this.canvas, bitmap.width, bitmap.height);
          this.context?.drawImage(bitmap, 0, 0);
          this.newest = header.frame;
          this.events.drawn(header);
        }
        bitmap.close();
      } catch {
        /* a frame that does not decode is skipped; the next one comes within a frame period */
        this.events.skipped();
      }
      if (!this.stopped) this.events.done(header);
    }
    this.decoding = false;
  }
}
