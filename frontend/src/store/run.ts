/**
 * What the server is doing: the connection, the queue, and per tab the run it queued last
 * (node states, progress, errors, outputs). Fed by WebSocket events and prompt replies.
 */
import { create } from 'zustand';
import type { HistoryEntry, NodeErrorEntry } from '../api/client';
import { api } from '../api/client';
import type { ExecutionOutput, ServerEvent } from '../api/events';

export type NodeStatus = 'running' | 'cached' | 'done' | 'error';

export interface NodeRun {
  status: NodeStatus;
  value?: number;
  max?: number;
}

export interface NodeProblem {
  /** Shown on the node. */
  message: string;
  /** Input name -> problem, shown beside the input. */
  inputs: Record<string, string>;
}

export interface TabRun {
  promptId: string | null;
  state: 'idle' | 'queued' | 'running' | 'success' | 'error' | 'interrupted' | 'cancelled';
  planned: number;
  nodes: Record<string, NodeRun>;
  executing: string | null;
  problems: Record<string, NodeProblem>;
  outputs: Record<string, ExecutionOutput>;
}

export interface GalleryItem {
  key: string;
  promptId: string;
  node: string;
  kind: 'image' | 'video' | 'audio';
  file: { filename: string; subfolder?: string; type?: string };
}

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export const emptyRun = (): TabRun => ({
  promptId: null, state: 'idle', planned: 0, nodes: {}, executing: null, problems: {}, outputs: {},
});

interface RunState {
  clientId: string;
  connected: boolean;
  everConnected: boolean;
  queueRemaining: number;
  runs: Record<string, TabRun>;
  /** prompt id -> the tab that queued it */
  promptTabs: Record<string, string>;
  gallery: GalleryItem[];
  notices: Notice[];

  setConnected(connected: boolean): void;
  /** After a reconnection: settle runs whose end the editor did not hear (from the server's history). */
  reconcile(): Promise<void>;
  /** A prompt of this tab was accepted; it becomes the tab's run unless another one is running. */
  queued(tabId: string, promptId: string): void;
  /** A pending prompt was removed from the queue. */
  cancelled(promptId: string): void;
  rejected(tabId: string, nodeErrors: Record<string, NodeErrorEntry>, message: string): void;
  handle(event: ServerEvent): void;
  clearProblem(tabId: string, nodeId: string): void;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
}

let noticeCounter = 0;
/** Events of prompts not (yet) known to have come from a tab of this editor. */
let unclaimed: ServerEvent[] = [];
const UNCLAIMED_LIMIT = 500;
const promptOf = (event: ServerEvent): string | undefined =>
  'prompt_id' in event.data ? (event.data as { prompt_id: string }).prompt_id : undefined;
const GALLERY_LIMIT = 200;

function newClientId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Validation errors in the server's `node_errors` shape, by node and input. */
export function problemsFrom(nodeErrors: Record<string, NodeErrorEntry>): Record<string, NodeProblem> {
  const problems: Record<string, NodeProblem> = {};
  for (const [node, entry] of Object.entries(nodeErrors)) {
    const problem: NodeProblem = { message: '', inputs: {} };
    const lines: string[] = [];
    for (const error of entry.errors) {
      const input = error.extra_info?.input_name;
      if (input) problem.inputs[input] = error.details || error.message;
      lines.push(error.message);
    }
    problem.message = lines.join('\n');
    problems[node] = problem;
  }
  return problems;
}

function galleryItems(promptId: string, node: string, output: ExecutionOutput): GalleryItem[] {
  const items: GalleryItem[] = [];
  const add = (kind: GalleryItem['kind'], files: ExecutionOutput['images']) => {
    for (const file of files ?? []) {
      items.push({ key: `${promptId}:${node}:${file.type}:${file.subfolder}:${file.filename}`, promptId, node, kind, file });
    }
  };
  add('image', output.images);
  add('video', output.videos);
  add('audio', output.audio);
  return items;
}

export const useRun = create<RunState>()((set, get) => {
  const updateRun = (promptId: string, update: (run: TabRun) => TabRun) => {
    const tab = get().promptTabs[promptId];
    const run = tab ? get().runs[tab] : undefined;
    if (!tab || !run || run.promptId !== promptId) return;
    set((state) => ({ runs: { ...state.runs, [tab]: update(state.runs[tab]) } }));
  };
  const finishRunning = (run: TabRun): Record<string, NodeRun> => {
    if (!run.executing || run.nodes[run.executing]?.status !== 'running') return run.nodes;
    return { ...run.nodes, [run.executing]: { status: 'done' } };
  };

  return {
    clientId: newClientId(),
    connected: false,
    everConnected: false,
    queueRemaining: 0,
    runs: {},
    promptTabs: {},
    gallery: [],
    notices: [],

    setConnected: (connected) => {
      const reconnected = connected && !get().connected && get().everConnected;
      set({ connected, everConnected: get().everConnected || connected });
      if (reconnected) void get().reconcile();
    },

    reconcile: async () => {
      const open = Object.values(get().runs).filter((run) => run.promptId && (run.state === 'running' || run.state === 'queued'));
      for (const run of open) {
        const promptId = run.promptId!;
        let entry: HistoryEntry | undefined;
        try {
          entry = (await api.historyItem(promptId))[promptId];
        } catch {
          continue; // unknown to the server (its history was cleared): leave it
        }
        if (!entry) continue; // still queued or running
        const state = (['success', 'error', 'interrupted'] as const).find((s) => s === entry!.status.status_str) ?? 'error';
        updateRun(promptId, (current) => ({
          ...current, state, executing: null, nodes: finishRunning(current),
          outputs: { ...current.outputs, ...(entry!.outputs as Record<string, ExecutionOutput>) },
        }));
      }
    },

    queued: (tabId, promptId) => {
      set((state) => {
        const current = state.runs[tabId];
        const promptTabs = { ...state.promptTabs, [promptId]: tabId };
        if (current?.state === 'running') return { promptTabs };
        return { promptTabs, runs: { ...state.runs, [tabId]: { ...emptyRun(), promptId, state: 'queued', outputs: current?.outputs ?? {} } } };
      });
      // events can overtake the reply to POST /prompt: replay those that came first
      const early = unclaimed.filter((event) => promptOf(event) === promptId);
      unclaimed = unclaimed.filter((event) => promptOf(event) !== promptId);
      for (const event of early) get().handle(event);
    },

    cancelled: (promptId) => updateRun(promptId, (run) => (run.state === 'queued' ? { ...run, state: 'cancelled' } : run)),

    rejected: (tabId, nodeErrors, message) => {
      set((state) => ({ runs: { ...state.runs, [tabId]: { ...emptyRun(), state: 'error', problems: problemsFrom(nodeErrors), outputs: state.runs[tabId]?.outputs ?? {} } } }));
      get().notify('error', message);
    },

    handle: (event) => {
      const promptId = promptOf(event);
      if (promptId && !get().promptTabs[promptId]) {
        unclaimed = [...unclaimed.slice(-UNCLAIMED_LIMIT + 1), event];
        return;
      }
      switch (event.type) {
        case 'status':
          set({ queueRemaining: event.data.status.exec_info.queue_remaining });
          break;
        case 'execution_start': {
          // a tab shows the run that started last, whichever of its prompts that is
          const promptId = event.data.prompt_id;
          const tab = get().promptTabs[promptId];
          if (!tab) break;
          set((state) => ({
            runs: {
              ...state.runs,
              [tab]: { ...emptyRun(), promptId, state: 'running', planned: event.data.planned ?? 0, outputs: state.runs[tab]?.outputs ?? {} },
            },
          }));
          break;
        }
        case 'execution_cached':
          updateRun(event.data.prompt_id, (run) => {
            const nodes = { ...run.nodes };
            for (const id of event.data.nodes) nodes[id] = { status: 'cached' };
            return { ...run, nodes };
          });
          break;
        case 'executing':
          updateRun(event.data.prompt_id, (run) => {
            const nodes = finishRunning(run);
            const id = event.data.node;
            return { ...run, executing: id, nodes: id ? { ...nodes, [id]: { status: 'running' } } : nodes };
          });
          break;
        case 'progress':
          updateRun(event.data.prompt_id, (run) => ({
            ...run, nodes: { ...run.nodes, [event.data.node]: { status: 'running', value: event.data.value, max: event.data.max } },
          }));
          break;
        case 'executed': {
          const { prompt_id: promptId, node, output } = event.data;
          updateRun(promptId, (run) => ({ ...run, outputs: { ...run.outputs, [node]: output } }));
          const fresh = galleryItems(promptId, node, output);
          if (fresh.length) set((state) => ({ gallery: [...fresh, ...state.gallery].slice(0, GALLERY_LIMIT) }));
          break;
        }
        case 'execution_success':
          updateRun(event.data.prompt_id, (run) => ({ ...run, state: 'success', executing: null, nodes: finishRunning(run) }));
          break;
        case 'execution_error': {
          const { node_id: node, exception_message: message, node_type: type } = event.data;
          updateRun(event.data.prompt_id, (run) => ({
            ...run, state: 'error', executing: null,
            nodes: { ...run.nodes, [node]: { status: 'error' } },
            problems: { ...run.problems, [node]: { message, inputs: {} } },
          }));
          get().notify('error', `node ${node} (${type ?? 'node'}) failed: ${message}`);
          break;
        }
        case 'execution_interrupted':
          updateRun(event.data.prompt_id, (run) => ({ ...run, state: 'interrupted', executing: null }));
          break;
      }
    },

    clearProblem: (tabId, nodeId) =>
      set((state) => {
        const run = state.runs[tabId];
        if (!run?.problems[nodeId]) return {};
        const problems = { ...run.problems };
        delete problems[nodeId];
        return { runs: { ...state.runs, [tabId]: { ...run, problems } } };
      }),

    notify: (kind, text) => {
      const id = ++noticeCounter;
      set((state) => ({ notices: [...state.notices.slice(-4), { id, kind, text }] }));
      setTimeout(() => get().dismiss(id), kind === 'info' ? 4000 : 15000);
    },

    dismiss: (id) => set((state) => ({ notices: state.notices.filter((n) => n.id !== id) })),
  };
});

/** Overall progress of a run in [0, 1]: finished nodes, plus the running node's fraction. */
export function overallProgress(run: TabRun): number {
  if (run.state === 'success') return 1;
  if (!run.planned) return 0;
  let finished = 0;
  for (const node of Object.values(run.nodes)) {
    if (node.status === 'done' || node.status === 'cached') finished += 1;
    else if (node.status === 'running' && node.max) finished += (node.value ?? 0) / node.max;
  }
  return Math.min(1, finished / run.planned);
}
