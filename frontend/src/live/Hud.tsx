/** The viewport's HUD: time, frame rate drawn, measured latency, and the minimap of the walk. */
import type { RefObject } from 'react';
import { useEffect, useRef, useState } from 'react';
import type { WalkPath } from './minimap';
import { drawMinimap } from './minimap';
import type { LiveStats } from './stats';
import { formatTime } from './time';

const REFRESH_MS = 100;
const MAP_SIZE = 148;

interface Shown {
  time: number;
  fps: number;
  latency: number | null;
  dropped: number;
}

export function Hud({ stats, path, backend }: { stats: RefObject<LiveStats | null>; path: RefObject<WalkPath>; backend: string }) {
  const map = useRef<HTMLCanvasElement>(null);
  const [shown, setShown] = useState<Shown>({ time: 0, fps: 0, latency: null, dropped: 0 });
  useEffect(() => {
    const timer = setInterval(() => {
      const current = stats.current;
      if (!current) return;
      setShown({ time: current.last?.time ?? 0, fps: current.fps, latency: current.latencyP50, dropped: current.dropped + current.skipped });
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
        {shown.dropped > 0 && <span title="frames not drawn (dropped by the server or replaced before drawing)">{shown.dropped} dropped</span>}
        <span className="wg-live-backend">{backend}</span>
      </div>
      <canvas ref={map} className="wg-live-map" width={MAP_SIZE} height={MAP_SIZE} aria-label="minimap" />
    </>
  );
}
