/**
 * Draws frames on the viewport's canvas, newest only: while one frame decodes, a frame that comes waits in
 * a single slot, and a later one replaces it. Nothing queues, so a slow machine shows fewer frames, never
 * older ones.
 */
import type { FrameHeader } from './protocol';

interface Pending {
  header: FrameHeader;
  jpeg: Blob;
}

export class FramePainter {
  private decoding = false;
  private pending: Pending | null = null;
  private newest = -1;
  private stopped = false;
  private readonly context: CanvasRenderingContext2D | null;

  /** `onDrawn` after each frame is on the canvas; `onSkipped` for a frame replaced before it was drawn. */
  constructor(private readonly canvas: HTMLCanvasElement, private readonly onDrawn: (header: FrameHeader) => void,
    private readonly onSkipped: () => void = () => undefined) {
    this.context = canvas.getContext('2d');
  }

  push(header: FrameHeader, jpeg: Blob): void {
    if (this.stopped || header.frame < this.newest) return;
    if (this.pending) this.onSkipped();
    this.pending = { header, jpeg };
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
        if (!this.stopped && this.context) {
          if (this.canvas.width !== bitmap.width || this.canvas.height !== bitmap.height) {
            this.canvas.width = bitmap.width;
            this.canvas.height = bitmap.height;
          }
          this.context.drawImage(bitmap, 0, 0);
          this.newest = header.frame;
          this.onDrawn(header);
        }
        bitmap.close();
      } catch {
        /* a frame that does not decode is skipped; the next one comes within a frame period */
        this.onSkipped();
      }
    }
    this.decoding = false;
  }
}
