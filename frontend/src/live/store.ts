/**
 * Which node the live viewport plays, if any (opened by Play on a node, closed by Keep, Discard or Leave),
 * the picture size it asks for and whether its sound is muted (both kept in localStorage), and the sound
 * itself: opened by Play, which is a click or a key (browsers let sound start only on such a gesture), shared
 * by the sessions of that viewport (Restart, another size), closed when the viewport closes.
 */
import { create } from 'zustand';
import type { NodeDef } from '../api/objectInfo';
import { compatible } from '../graph/types';
import type { LiveAudio } from './audio';
import { openLiveAudio } from './audio';

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
const MUTED_KEY = 'worldgraph.live.muted';

function save(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    /* private mode: it lasts this visit */
  }
}

function savedMuted(): boolean {
  try {
    return globalThis.localStorage?.getItem(MUTED_KEY) === '1';
  } catch {
    return false;
  }
}

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
  /** The open viewport's sound (null when closed, or where the browser has no Web Audio). */
  sound: LiveAudio | null;
  muted: boolean;
  /** Call it on a click or a key: the sound starts there. */
  play(tab: string, node: string, start?: number): void;
  setSize(size: [number, number]): void;
  toggleMuted(): void;
  close(): void;
}

let plays = 0;

export const useLive = create<LiveState>()((set, get) => ({
  open: null,
  size: savedSize(),
  sound: null,
  muted: savedMuted(),
  play: (tab, node, start = 0) => set((state) => ({
    open: { id: ++plays, tab, node, start, at: performance.now() },
    sound: state.sound ?? openLiveAudio({ muted: state.muted }),
  })),
  setSize: (size) => {
    save(SIZE_KEY, `${size[0]}x${size[1]}`);
    // a new size is a new session: its first frame counts from now
    set((state) => ({ size, open: state.open && { ...state.open, at: performance.now() } }));
  },
  toggleMuted: () => {
    const muted = !get().muted;
    save(MUTED_KEY, muted ? '1' : '0');
    get().sound?.setMuted(muted);
    set({ muted });
  },
  close: () => {
    get().sound?.close();
    set({ open: null, sound: null });
  },
}));

/** A node can be played live when it has a LATENT output (a walk, a Director node, a pack's rollout). */
export function canPlay(def: NodeDef | undefined): boolean {
  return Boolean(def?.outputs.some((o) => o.type !== '*' && compatible(o.type, 'LATENT')));
}
