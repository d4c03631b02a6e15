// @vitest-environment node
/** Which codec a session asks for. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { chooseCodec, CODEC_KEY, resetCodecSupport } from '../../src/live/codec';
import { H264_CODEC, h264Supported } from '../../src/live/h264';

const isConfigSupported = vi.fn(async (config: { codec: string }) => ({ supported: config.codec === H264_CODEC, config }));

beforeEach(() => {
  vi.stubGlobal('VideoDecoder', { isConfigSupported });
  vi.stubGlobal('EncodedVideoChunk', class {});
});

describe('chooseCodec', () => {
  beforeEach(() => resetCodecSupport());
  afterEach(() => vi.unstubAllGlobals());

  test('H.264 where the browser decodes it and the size is even, else JPEG', async () => {
    expect(await h264Supported()).toBe(true);
    expect(await chooseCodec([320, 180])).toBe('h264');
    expect(await chooseCodec([321, 180])).toBe('jpeg');
    resetCodecSupport();
    expect(await chooseCodec([320, 180], async () => false)).toBe('jpeg');
    vi.stubGlobal('VideoDecoder', undefined);
    expect(await h264Supported()).toBe(false);
  });

  test('localStorage can ask for JPEG', async () => {
    vi.stubGlobal('localStorage', { getItem: (key: string) => (key === CODEC_KEY ? 'jpeg' : null) });
    expect(await chooseCodec([320, 180], async () => true)).toBe('jpeg');
  });
});
