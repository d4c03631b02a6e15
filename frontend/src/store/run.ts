/**
 * The run store: the connection and the run state (run/reduce.ts), applied event by event. The I/O
 * lives here: reading the history after a reconnection, and showing the reducer's alerts as notices.
 */
import { create } from 'zustand';
import { api } from '../api/client';
import type { ExecutionOutput } from '../api/events';
import type { RunEvent, RunState } from '../run/reduce';
import { initialRunState, reduceRun } from '../run/reduce';
import { notify } from './ui';

interface RunStore extends RunState {
  clientId: string;
  connected: boolean;
  everConnected: boolean;
  dispatch(event: RunEvent): void;
  setConnected(connected: boolean): void;
  /** After a reconnection: settle runs whose end the editor did not hear (from the server's history). */
  reconcile(): Promise<void>;
}

function newClientId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const useRun = create<RunStore>()((set, get) => ({
  ...initialRunState(),
  clientId: newClientId(),
  connected: false,
  everConnected: false,

  dispatch: (event) => {
    const next = reduceRun(get(), event);
    set(next);
    for (const alert of next.alerts) notify('error', alert);
  },

  setConnected: (connected) => {
    const reconnected = connected && !get().connected && get().everConnected;
    set({ connected, everConnected: get().everConnected || connected });
    if (reconnected) void get().reconcile();
  },

  reconcile: async () => {
    const open = Object.values(get().runs).filter((run) => run.promptId && (run.state === 'running' || run.state === 'queued'));
    for (const { promptId } of open) {
      let entry;
      try {
        entry = (await api.historyItem(promptId!))[promptId!];
      } catch {
        continue; // unknown to the server (its history was cleared): leave it
      }
      if (!entry) continue; // still queued or running
      get().dispatch({ type: 'run_settled', promptId: promptId!, status: entry.status.status_str, outputs: entry.outputs as Record<string, ExecutionOutput> });
    }
  },
}));
