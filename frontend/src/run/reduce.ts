/**
 * What the server is doing, as a pure function: `reduceRun(state, event) -> state`. Events are the
 * server's WebSocket messages plus what the editor itself learns (a prompt accepted, refused or
 * cancelled; a run settled from the history after a reconnection). No I/O, no clock, no store: the
 * store in store/run.ts applies it and shows the `alerts` each step leaves.
 */
import type { NodeErrorEntry } from '../api/client';
import type { ExecutionOutput, ServerEvent } from '../api/events';
import type { GalleryItem } from './gallery';
import { withOutputs } from './gallery';

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

export interface RunState {
  queueRemaining: number;
  /** tab id -> the run it shows */
  runs: Record<string, TabRun>;
  /** prompt id -> the tab that queued it */
  promptTabs: Record<string, string>;
  /** Events of prompts not (yet) known to have come from a tab of this editor, oldest first. */
  unclaimed: ServerEvent[];
  /** Outputs of this session's runs, newest first. */
  gallery: GalleryItem[];
  /** Errors the last event asks the editor to report. */
  alerts: string[];
}

/** What the editor learns besides the server's events. */
export type EditorEvent =
  | { type: 'prompt_queued'; tab: string; promptId: string }
  | { type: 'prompt_rejected'; tab: string; nodeErrors: Record<string, NodeErrorEntry>; message: string }
  | { type: 'prompt_cancelled'; promptId: string }
  /** A run's end read from the server's history (`status_str`, `outputs`). */
  | { type: 'run_settled'; promptId: string; status: string; outputs: Record<string, ExecutionOutput> };

export type RunEvent = ServerEvent | EditorEvent;

export const emptyRun = (): TabRun => ({
  promptId: null, state: 'idle', planned: 0, nodes: {}, executing: null, problems: {}, outputs: {},
});

export const initialRunState = (): RunState => ({
  queueRemaining: 0, runs: {}, promptTabs: {}, unclaimed: [], gallery: [], alerts: [],
});

const UNCLAIMED_LIMIT = 500;

const promptOf = (event: ServerEvent): string | undefined =>
  'prompt_id' in event.data ? event.data.prompt_id : undefined;

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

/** Overall progress of a run in [0, 1]: finished nodes, plus the running node's fraction. */
export function overallProgress(run: TabRun): number {
  if (run.state === 'success') return 1;
  if (run.state === 'interrupted' || run.state === 'cancelled') return 0; // stopped: no bar left part-way
  if (!run.planned) return 0;
  let finished = 0;
  for (const node of Object.values(run.nodes)) {
    if (node.status === 'done' || node.status === 'cached') finished += 1;
    else if (node.status === 'running' && node.max) finished += (node.value ?? 0) / node.max;
  }
  return Math.min(1, finished / run.planned);
}

/** The state after one event; `alerts` holds only what this event asks to report. */
export function reduceRun(state: RunState, event: RunEvent): RunState {
  return step({ ...state, alerts: [] }, event);
}

function step(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case 'prompt_queued': {
      const { tab, promptId } = event;
      const current = state.runs[tab];
      const promptTabs = { ...state.promptTabs, [promptId]: tab };
      const runs = current?.state === 'running'
        ? state.runs
        : { ...state.runs, [tab]: { ...emptyRun(), promptId, state: 'queued' as const, outputs: current?.outputs ?? {} } };
      // events can overtake the reply to POST /prompt: replay those that came first
      const early = state.unclaimed.filter((e) => promptOf(e) === promptId);
      const unclaimed = state.unclaimed.filter((e) => promptOf(e) !== promptId);
      return early.reduce(step, { ...state, promptTabs, runs, unclaimed });
    }
    case 'prompt_rejected':
      return {
        ...setRun(state, event.tab, { ...emptyRun(), state: 'error', problems: problemsFrom(event.nodeErrors), outputs: state.runs[event.tab]?.outputs ?? {} }),
        alerts: [...state.alerts, event.message],
      };
    case 'prompt_cancelled':
      return updateRun(state, event.promptId, (run) => (run.state === 'queued' ? { ...run, state: 'cancelled' } : run));
    case 'run_settled': {
      const settled = (['success', 'error', 'interrupted'] as const).find((s) => s === event.status) ?? 'error';
      return updateRun(state, event.promptId, (run) => ({
        ...run, state: settled, executing: null, nodes: settled === 'success' ? finishRunning(run) : stopRunning(run),
        outputs: { ...run.outputs, ...event.outputs },
      }));
    }
    case 'status':
      return { ...state, queueRemaining: event.data.status.exec_info.queue_remaining };
  }
  const promptId = event.data.prompt_id;
  const tab = state.promptTabs[promptId];
  if (!tab) return { ...state, unclaimed: [...state.unclaimed.slice(-UNCLAIMED_LIMIT + 1), event] };
  switch (event.type) {
    case 'execution_start':
      // a tab shows the run that started last, whichever of its prompts that is
      return setRun(state, tab, { ...emptyRun(), promptId, state: 'running', planned: event.data.planned ?? 0, outputs: state.runs[tab]?.outputs ?? {} });
    case 'execution_cached':
      return updateRun(state, promptId, (run) => {
        const nodes = { ...run.nodes };
        for (const id of event.data.nodes) nodes[id] = { status: 'cached' };
        return { ...run, nodes };
      });
    case 'executing':
      return updateRun(state, promptId, (run) => {
        const nodes = finishRunning(run);
        const id = event.data.node;
        return { ...run, executing: id, nodes: id ? { ...nodes, [id]: { status: 'running' } } : nodes };
      });
    case 'progress':
      return updateRun(state, promptId, (run) => ({
        ...run, nodes: { ...run.nodes, [event.data.node]: { status: 'running', value: event.data.value, max: event.data.max } },
      }));
    case 'executed': {
      const { node, output } = event.data;
      const next = updateRun(state, promptId, (run) => ({ ...run, outputs: { ...run.outputs, [node]: output } }));
      return { ...next, gallery: withOutputs(state.gallery, promptId, node, output) };
    }
    case 'execution_success':
      return updateRun(state, promptId, (run) => ({ ...run, state: 'success', executing: null, nodes: finishRunning(run) }));
    case 'execution_error': {
      const { node_id: node, exception_message: message, node_type: type } = event.data;
      const next = updateRun(state, promptId, (run) => ({
        ...run, state: 'error', executing: null,
        nodes: { ...run.nodes, [node]: { status: 'error' } },
        problems: { ...run.problems, [node]: { message, inputs: {} } },
      }));
      return { ...next, alerts: [...state.alerts, `node ${node} (${type ?? 'node'}) failed: ${message}`] };
    }
    case 'execution_interrupted':
      return updateRun(state, promptId, (run) => ({ ...run, state: 'interrupted', executing: null, nodes: stopRunning(run) }));
    case 'progress_state':
      return state; // ComfyUI's summary of what executing, progress and executed already said
  }
}

function setRun(state: RunState, tab: string, run: TabRun): RunState {
  return { ...state, runs: { ...state.runs, [tab]: run } };
}

/** Change the run of the tab that queued this prompt, if that is still the run the tab shows. */
function updateRun(state: RunState, promptId: string, update: (run: TabRun) => TabRun): RunState {
  const tab = state.promptTabs[promptId];
  const run = tab ? state.runs[tab] : undefined;
  if (!tab || !run || run.promptId !== promptId) return state;
  return setRun(state, tab, update(run));
}

/** The nodes without those still marked running (a run that stopped leaves no running badge behind). */
function stopRunning(run: TabRun): Record<string, NodeRun> {
  return Object.fromEntries(Object.entries(run.nodes).filter(([, node]) => node.status !== 'running'));
}

/** The nodes with the running one (if any) marked done. */
function finishRunning(run: TabRun): Record<string, NodeRun> {
  if (!run.executing || run.nodes[run.executing]?.status !== 'running') return run.nodes;
  return { ...run.nodes, [run.executing]: { status: 'done' } };
}
