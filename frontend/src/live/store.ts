/**
 * Which node the live viewport plays, if any (opened by Play on a node, closed by Keep, Discard or Leave),
 * and the picture size it asks for (kept in localStorage).
 */
import { create } from 'zustand';
import type { NodeDef } from '../api/objectInfo';
import { compatible } from '../graph/types';

export interface PlayRequest {
  /** A fresh id per Play, so playing again restarts the viewport. */
  id: number;
  tab: string;
  node: string;
  /** Seconds into the node's walk. */
  start: number;
  /** performance.now() when Play was pressed, or the size changed (for the first frame's time). */
  at: number;
}

export const SIZES: readonly [number, number][] = [[320, 180], [640, 360], [854, 480], [1280, 720]];
const DEFAULT_SIZE: [number, number] = [854, 480];
const SIZE_KEY = 'worldgraph.live.size';

function savedSize(): [number, number] {
  try {
    const saved = globalThis.localStorage?.getItem(SIZE_KEY);
    const found = SIZES.find(([w, h]) => `${w}x${h}` === saved);
    return found ? [...found] : DEFAULT_SIZE;
  } catch {
    return DEFAULT_SIZE;
  }
}

interface LiveState {
  open: PlayRequest | null;
  size: [number, number];
  play(tab: string, node: string, start?: number): void;
  setSize(size: [number, number]): void;
  close(): void;
}

let plays = 0;

export const useLive = create<LiveState>()((set) => ({
  open: null,
  size: savedSize(),
  play: (tab, node, start = 0) => set({ open: { id: ++plays, tab, node, start, at: performance.now() } }),
  setSize: (size) => {
    try {
      globalThis.localStorage?.setItem(SIZE_KEY, `${size[0]}x${size[1]}`);
    } catch {
      /* private mode: the size lasts this visit */
    }
    // a new size is a new session: its first frame counts from now
    set((state) => ({ size, open: state.open && { ...state.open, at: performance.now() } }));
  },
  close: () => set({ open: null }),
}));

/** A node can be played live when it has a LATENT output (a walk, a Director node, a pack's rollout). */
export function canPlay(def: NodeDef | undefined): boolean {
  return Boolean(def?.outputs.some((o) => o.type !== '*' && compatible(o.type, 'LATENT')));
}
