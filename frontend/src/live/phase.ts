/**
 * Where a viewport's session stands, as a pure reducer over what happens to it: connecting -> starting
 * (greeted, the start message sent) -> playing (ready) -> ending (Keep or Discard sent) -> ended. A session
 * that ends any other way (refused, crashed, idle, connection lost) is `ended` with the server's message.
 */
import type { ServerNote } from './protocol';

type Ready = Extract<ServerNote, { type: 'ready' }>;

export interface SessionView {
  phase: 'connecting' | 'starting' | 'playing' | 'ending' | 'ended';
  ready: Ready | null;
  /** Why the session ended, when not by Keep or Discard. */
  message: string | null;
  /** The last error the server sent (a fatal one is followed by the socket closing). */
  lastError: string | null;
  keeping: boolean;
}

export type SessionEvent =
  | { type: 'note'; note: ServerNote }
  | { type: 'closed' }
  | { type: 'end'; keep: boolean }
  | { type: 'keep_refused'; message: string };

export const initialView: SessionView = { phase: 'connecting', ready: null, message: null, lastError: null, keeping: false };

export function reduceView(view: SessionView, event: SessionEvent): SessionView {
  if (view.phase === 'ended') return view;
  switch (event.type) {
    case 'note': {
      const note = event.note;
      if (note.type === 'hello') return view.phase === 'connecting' ? { ...view, phase: 'starting' } : view;
      if (note.type === 'ready') return { ...view, phase: view.phase === 'ending' ? 'ending' : 'playing', ready: note };
      if (note.type === 'error') {
        if (view.phase === 'connecting' || view.phase === 'starting') return { ...view, phase: 'ended', message: note.message, lastError: note.message };
        return { ...view, lastError: note.message };
      }
      return view;
    }
    case 'end':
      return view.phase === 'playing' ? { ...view, phase: 'ending', keeping: event.keep } : view;
    case 'keep_refused':
      return { ...view, phase: 'ended', message: `the walk cannot be kept: ${event.message}` };
    case 'closed':
      if (view.phase === 'ending' && !view.keeping) return { ...view, phase: 'ended' };
      return {
        ...view, phase: 'ended',
        message: view.lastError ?? (view.phase === 'ending' ? 'the session ended before its recording came' : 'the live connection closed'),
      };
  }
}
