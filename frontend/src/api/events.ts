/** The server's WebSocket events (docs/server.md), with reconnection. */
import type { FileRef } from './client';
import { socketUrl } from './client';

export interface ExecutionOutput {
  images?: FileRef[];
  videos?: FileRef[];
  audio?: FileRef[];
  text?: string[];
  [key: string]: unknown;
}

export type ServerEvent =
  | { type: 'status'; data: { status: { exec_info: { queue_remaining: number } }; sid?: string } }
  | { type: 'execution_start'; data: { prompt_id: string; planned?: number } }
  | { type: 'execution_cached'; data: { prompt_id: string; nodes: string[] } }
  | { type: 'executing'; data: { prompt_id: string; node: string | null } }
  | { type: 'progress'; data: { prompt_id: string; node: string; value: number; max: number } }
  | { type: 'executed'; data: { prompt_id: string; node: string; output: ExecutionOutput } }
  | { type: 'execution_success'; data: { prompt_id: string } }
  | { type: 'execution_error'; data: { prompt_id: string; node_id: string; node_type?: string; exception_message: string; exception_type?: string } }
  | { type: 'execution_interrupted'; data: { prompt_id: string; node_id?: string | null } };

export type Listener = (event: ServerEvent) => void;

export class EventSocket {
  private socket: WebSocket | null = null;
  private closed = false;
  private retry = 500;

  constructor(private clientId: string, private listener: Listener, private onState: (connected: boolean) => void) {}

  open(): void {
    this.closed = false;
    const socket = new WebSocket(socketUrl(this.clientId));
    this.socket = socket;
    socket.onopen = () => {
      this.retry = 500;
      this.onState(true);
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      try {
        this.listener(JSON.parse(message.data) as ServerEvent);
      } catch {
        /* a message this editor does not understand */
      }
    };
    socket.onclose = () => {
      this.onState(false);
      if (this.closed) return;
      setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 8000);
    };
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}
