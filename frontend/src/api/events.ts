/**
 * The server's WebSocket events (docs/server.md), with reconnection. Every message is checked against
 * the server's message schema (messages.schema.json); one that does not fit is dropped and reported.
 */
import type { FileRef } from './client';
import { socketUrl } from './client';
import messageSchema from './messages.schema.json';
import type { Schema } from './schema';
import { validate } from './schema';

export interface ExecutionOutput {
  images?: FileRef[];
  videos?: FileRef[];
  audio?: FileRef[];
  text?: string[];
  [key: string]: unknown;
}

/** A node's entry of ComfyUI's progress_state message. */
export interface NodeState {
  value: number;
  max: number;
  state: 'pending' | 'running' | 'finished' | 'error';
  node_id: string;
  display_node_id: string;
  real_node_id: string;
  parent_node_id: string | null;
  prompt_id: string;
}

/** The messages of messages.schema.json (tests/events.test.ts keeps the two in step). */
export type ServerEvent =
  | { type: 'status'; data: { status: { exec_info: { queue_remaining: number } }; sid?: string } }
  | { type: 'execution_start'; data: { prompt_id: string; planned?: number } }
  | { type: 'execution_cached'; data: { prompt_id: string; nodes: string[] } }
  | { type: 'executing'; data: { prompt_id: string; node: string | null } }
  | { type: 'progress'; data: { prompt_id: string; node: string; value: number; max: number } }
  | { type: 'progress_state'; data: { prompt_id: string; nodes: Record<string, NodeState> } }
  | { type: 'executed'; data: { prompt_id: string; node: string; output: ExecutionOutput } }
  | { type: 'execution_success'; data: { prompt_id: string } }
  | { type: 'execution_error'; data: { prompt_id: string; node_id: string; node_type?: string; exception_message: string; exception_type?: string } }
  | { type: 'execution_interrupted'; data: { prompt_id: string; node_id?: string | null } };

export interface SocketHandlers {
  onEvent(event: ServerEvent): void;
  onState(connected: boolean): void;
  /** A message that does not fit the schema was dropped; called once per message type. */
  onInvalid(type: string, errors: string[]): void;
}

export class EventSocket {
  private socket: WebSocket | null = null;
  private closed = false;
  private retry = 500;
  private reported = new Set<string>();

  constructor(private clientId: string, private handlers: SocketHandlers, private schema: Schema = messageSchema as unknown as Schema) {}

  open(): void {
    this.closed = false;
    const socket = new WebSocket(socketUrl(this.clientId));
    this.socket = socket;
    socket.onopen = () => {
      this.retry = 500;
      this.handlers.onState(true);
    };
    socket.onmessage = (message) => {
      if (typeof message.data === 'string') this.receive(message.data);
    };
    socket.onclose = () => {
      this.handlers.onState(false);
      if (this.closed) return;
      setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 8000);
    };
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  private receive(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.invalid('(not JSON)', [`$: expected JSON, found ${JSON.stringify(text.slice(0, 80))}`]);
    }
    const errors = validate(this.schema, value);
    if (!errors.length) return this.handlers.onEvent(value as ServerEvent);
    const type = (value as { type?: unknown } | null)?.type;
    this.invalid(typeof type === 'string' ? type : '(no type)', errors);
  }

  private invalid(type: string, errors: string[]): void {
    if (this.reported.has(type)) return;
    this.reported.add(type);
    this.handlers.onInvalid(type, errors);
  }
}
