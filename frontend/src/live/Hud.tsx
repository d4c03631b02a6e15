/**
 * The viewport's HUD: time, frame rate drawn, measured latency, frames not drawn, the codec, the sound's
 * mute button (M), and the minimap of the walk.
 */
import type { RefObject } from 'react';
import { useEffect, useRef, useState } from 'react';
import type { WalkPath } from './minimap';
import { drawMinimap } from './minimap';
import { keepFocus } from './Palette';
import type { Codec } from './protocol';
import type { LiveStats } from './stats';
import { formatTime } from './time';

const REFRESH_MS = 100;
const MAP_SIZE = 148;

interface Shown {
  time: number;
  fps: number;
  latency: number | null;
  dropped: number;
  skipped: number;
  codec: Codec | null;
}

const CODEC_NAMES: Record<Codec, string> = { h264: 'H.264', jpeg: 'JPEG' };

export interface HudSound {
  muted: boolean;
  toggle(): void;
}

export function Hud({ stats, path, backend, sound }: {
  stats: RefObject<LiveStats | null>; path: RefObject<WalkPath>; backend: string; sound: HudSound | null;
}) {
  const map = useRef<HTMLCanvasElement>(null);
  const [shown, setShown] = useState<Shown>({ time: 0, fps: 0, latency: null, dropped: 0, skipped: 0, codec: null });
  useEffect(() => {
    const timer = setInterval(() => {
      const current = stats.current;
      if (!current) return;
      setShown({ time: current.last?.time ?? 0, fps: current.fps, latency: current.latencyP50, dropped: current.dropped,
        skipped: current.skipped, codec: current.codec });
      const context = map.current?.getContext('2d');
      if (context && current.last) drawMinimap(context, path.current, current.last.pose);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [stats, path]);
  return (
    <>
      <div className="wg-live-stats" aria-label="live stats">
        <span className="wg-live-time" aria-label="time">{formatTime(shown.time)}</span>
        <span aria-label="frame rate"><b>{shown.fps}</b> fps</span>
        <span aria-label="latency" title="from an input sent to the first frame drawn that reflects it (median of the last 30)">
          <b>{shown.latency === null ? '–' : Math.round(shown.latency)}</b> ms
        </span>
        {shown.dropped + shown.skipped > 0 && (
          <span aria-label="frames not drawn" title={`frames not drawn: ${shown.dropped} dropped by the server before encoding (this browser had not `
            + `acknowledged enough), ${shown.skipped} that came and were not drawn`}>{shown.dropped + shown.skipped} dropped</span>
        )}
        {shown.codec && <span aria-label="codec" title="how the frames travel">{CODEC_NAMES[shown.codec]}</span>}
        <span className="wg-live-backend">{backend}</span>
        {sound && (
          <button className="wg-live-sound" aria-label={sound.muted ? 'unmute' : 'mute'} aria-pressed={sound.muted} onMouseDown={keepFocus}
            onClick={sound.toggle} title={`${sound.muted ? 'sound off' : 'sound on'} (M); it trails the picture by about 0.2 s`}>
            {sound.muted ? 'sound off' : 'sound on'}
          </button>
        )}
      </div>
      <canvas ref={map} className="wg-live-map" width={MAP_SIZE} height={MAP_SIZE} aria-label="minimap" />
    </>
  );
}
