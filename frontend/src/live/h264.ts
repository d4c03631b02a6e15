/**
 * H.264 frames onto the canvas through WebCodecs. Each frame message holds one access unit in Annex B form,
 * the parameter sets in key frames (media/realtime.py), which `VideoDecoder` takes without a `description`.
 * Every frame refers to the one before, so all are decoded, in the order they came; none is skipped before
 * decoding (the server drops frames before encoding instead). Each picture is drawn as the decoder gives it
 * and closed at once.
 *
 * If the decoder fails, the frames it held are given up and the stream waits for the next key frame (the
 * server makes one every 2 s) with a new decoder; the frames in between are acknowledged undrawn, so the
 * server keeps sending.
 */
import type { FrameSink, PainterEvents } from './painter';
import { fit } from './painter';
import type { FrameHeader } from './protocol';

/** The streams media/realtime.py makes: High profile, level 4 (up to 1280x720 at 60). */
export const H264_CODEC = 'avc1.640028';
const CONFIG: VideoDecoderConfig = { codec: H264_CODEC, optimizeForLatency: true };

/** Can this browser decode the live stream? (WebCodecs needs a secure context: https or 127.0.0.1.) */
export async function h264Supported(): Promise<boolean> {
  if (typeof VideoDecoder === 'undefined' || typeof EncodedVideoChunk === 'undefined') return false;
  try {
    return (await VideoDecoder.isConfigSupported(CONFIG)).supported === true;
  } catch {
    return false;
  }
}

export class H264Painter implements FrameSink {
  private decoder: VideoDecoder | null = null;
  /** Frames given to the decoder and not yet out of it, by timestamp (the frame index). */
  private readonly decoding = new Map<number, FrameHeader>();
  private stopped = false;
  private readonly context: CanvasRenderingContext2D | null;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly events: PainterEvents) {
    this.context = canvas.getContext('2d');
  }

  push(header: FrameHeader, payload: Uint8Array): void {
    if (this.stopped) return;
    if (!this.decoder) {
      if (!header.key) {
        this.events.skipped(); // nothing to decode it against: wait for a key frame
        this.events.done(header);
        return;
      }
      this.decoder = this.open();
    }
    this.decoding.set(header.frame, header);
    try {
      this.decoder.decode(new EncodedVideoChunk({ type: header.key ? 'key' : 'delta', timestamp: header.frame, data: payload }));
    } catch {
      this.fail(this.decoder);
    }
  }

  stop(): void {
    this.stopped = true;
    this.decoding.clear();
    this.close();
  }

  private open(): VideoDecoder {
    const decoder: VideoDecoder = new VideoDecoder({
      output: (picture) => this.output(picture),
      error: () => this.fail(decoder),
    });
    decoder.configure(CONFIG);
    return decoder;
  }

  private output(picture: VideoFrame): void {
    const header = this.decoding.get(picture.timestamp);
    for (const frame of this.decoding.keys()) {
      if (frame > picture.timestamp) break;
      this.decoding.delete(frame);
      if (frame < picture.timestamp) this.events.skipped(); // the decoder gave no picture for it
    }
    if (this.stopped || !header) {
      picture.close();
      return;
    }
    fit(this.canvas, picture.displayWidth, picture.displayHeight);
    this.context?.drawImage(picture, 0, 0);
    picture.close();
    this.events.drawn(header);
    this.events.done(header);
  }

  /** The decoder failed: what it held is lost; a new one starts at the next key frame. */
  private fail(decoder: VideoDecoder): void {
    if (decoder !== this.decoder || this.stopped) return;
    let newest: FrameHeader | null = null;
    for (const header of this.decoding.values()) {
      this.events.skipped();
      newest = header;
    }
    this.decoding.clear();
    this.close();
    if (newest) this.events.done(newest);
  }

  private close(): void {
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
  }
}
