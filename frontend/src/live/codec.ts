/**
 * Which codec a session asks for: H.264 where this browser decodes it (a third of JPEG's bit rate at a better
 * picture, docs/live.md) and the size is even in both directions, JPEG otherwise. `localStorage`
 * `worldgraph.live.codec` = "jpeg" asks for JPEG where H.264 would do (benches and tests compare the two).
 */
import { h264Supported } from './h264';
import type { Codec } from './protocol';

export const CODEC_KEY = 'worldgraph.live.codec';

let supported: Promise<boolean> | null = null;

function jpegAskedFor(): boolean {
  try {
    return globalThis.localStorage?.getItem(CODEC_KEY) === 'jpeg';
  } catch {
    return false;
  }
}

export async function chooseCodec(size: [number, number], canDecode: () => Promise<boolean> = h264Supported): Promise<Codec> {
  if (jpegAskedFor() || size[0] % 2 || size[1] % 2) return 'jpeg';
  supported ??= canDecode();
  return (await supported) ? 'h264' : 'jpeg';
}

/** Forget what was found out (tests). */
export function resetCodecSupport(): void {
  supported = null;
}
