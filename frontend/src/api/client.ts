/** The server's HTTP API (docs/server.md), as typed functions. Errors carry the server's message. */
import type { ObjectInfo, SocketTypeInfo } from './objectInfo';
import type { WorkflowJson } from '../graph/workflow';

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly body: unknown) {
    super(message);
  }
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`/api${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  if (!response.ok) {
    const message = (body as { error?: { message?: string } })?.error?.message ?? `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, body);
  }
  return body as T;
}

const json = (value: unknown): RequestInit => ({
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value),
});

export interface FileRef {
  filename: string;
  subfolder?: string;
  type?: string;
  format?: string;
}

export interface NodeErrorEntry {
  errors: { type: string; message: string; details: string; extra_info?: { input_name?: string | null } }[];
  class_type?: string;
}

export interface PromptAccepted {
  prompt_id: string;
  number: number;
  node_errors: Record<string, NodeErrorEntry>;
}

/** `[number, prompt_id, workflow, extra, outputs]`, ComfyUI's queue item. */
export type QueueItem = [number, string, unknown, { client_id?: string | null }, unknown];

export interface QueueState {
  queue_running: QueueItem[];
  queue_pending: QueueItem[];
}

export interface HistoryEntry {
  prompt: QueueItem;
  outputs: Record<string, Record<string, unknown>>;
  status: { status_str: string; completed: boolean; messages: [string, Record<string, unknown>][] };
}

/** One custom node pack as `GET /custom_nodes` reports it. */
export interface PackReport {
  name: string;
  path: string;
  status: 'loaded' | 'failed' | 'disabled';
  error: string;
  nodes: string[];
  node_errors: { node: string; error: string }[];
  duplicates: { node: string; kept: string }[];
  warnings: string[];
  seconds: number;
  slow: boolean;
  requirements: string[];
  /** What `worldgraph packs install NAME` would install: unmet requirements, the module its import lacked. */
  missing: string[];
}

export const api = {
  objectInfo: () => request<ObjectInfo>('/object_info'),
  socketTypes: () => request<Record<string, SocketTypeInfo>>('/socket_types'),
  queuePrompt: (prompt: WorkflowJson, clientId: string, front = false) =>
    request<PromptAccepted>('/prompt', json({ prompt, client_id: clientId, ...(front ? { front: true } : {}) })),
  queue: () => request<QueueState>('/queue'),
  cancel: (ids: string[]) => request<{ removed: number }>('/queue', json({ delete: ids })),
  interrupt: (promptId?: string) => request<unknown>('/interrupt', json(promptId ? { prompt_id: promptId } : {})),
  history: (maxItems = 50) => request<Record<string, HistoryEntry>>(`/history?max_items=${maxItems}`),
  historyItem: (promptId: string) => request<Record<string, HistoryEntry>>(`/history/${encodeURIComponent(promptId)}`),
  listWorkflows: () => request<string[]>('/userdata?dir=workflows'),
  loadWorkflow: (name: string) => request<unknown>(`/userdata/${encodeURIComponent(`workflows/${name}`)}`),
  saveWorkflow: (name: string, workflow: WorkflowJson, overwrite: boolean) =>
    request<{ path: string }>(`/userdata/${encodeURIComponent(`workflows/${name}`)}?overwrite=${overwrite}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(workflow, null, 2),
    }),
  deleteWorkflow: (name: string) =>
    request<unknown>(`/userdata/${encodeURIComponent(`workflows/${name}`)}`, { method: 'DELETE' }),
  templates: () => request<string[]>('/templates'),
  template: (name: string) => request<unknown>(`/templates/${encodeURIComponent(name)}`),
  /** Any workflow (older version, ComfyUI API prompt) as a current document. */
  importWorkflow: (value: unknown) => request<{ workflow: WorkflowJson }>('/workflow/import', json(value)),
  /** The workflow embedded in an output file (PNG, MP4, MKV, WebM) or a JSON file. */
  importFile: (file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return request<{ workflow: WorkflowJson }>('/workflow/import', { method: 'POST', body: form });
  },
  /** Upload into the input folder (images are checked by the server); the stored name comes back. */
  upload: (kind: string, file: File) => {
    const form = new FormData();
    const field = kind === 'image' ? 'image' : 'file';
    form.append(field, file, file.name);
    return request<{ name: string; subfolder: string; type: string }>(`/upload/${field}`, { method: 'POST', body: form });
  },
  extensions: () => request<string[]>('/extensions'),
  customNodes: () => request<{ packs: PackReport[] }>('/custom_nodes'),
};

export function viewUrl(file: FileRef): string {
  const query = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder ?? '', type: file.type ?? 'output' });
  return `/api/view?${query}`;
}

export function socketUrl(clientId: string): string {
  return `${window.location.origin.replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(clientId)}`;
}
