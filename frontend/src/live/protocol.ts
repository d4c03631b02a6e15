/**
 * The live socket's messages (`GET /live`, docs/live.md; the server's side is live/protocol.py and
 * webserver/live.py). Client messages are JSON text with a `seq` that counts up; the server answers JSON
 * notes and binary messages: a 4-byte big-endian header length, the header as JSON, then the payload
 * (a frame as its header's `codec` says, or sound when the header's `type` is "audio").
 */

/** How frames travel: H.264 access units (Annex B, decoded in order with WebCodecs) or JPEG pictures. */
export type Codec = 'h264' | 'jpeg';

/** x, y (metres on the ground), z (eye height), yaw and pitch in degrees (turning right lowers the yaw). */
export type Pose = [number, number, number, number, number];

export interface FrameHeader {
  frame: number;
  time: number;
  pose: Pose;
  /** The last input message the frame reflects. */
  input_seq: number;
  /** The payload's codec (absent from older servers: JPEG). */
  codec?: Codec;
  /** Decodable on its own (every JPEG; an H.264 key frame, with its parameter sets). */
  key?: boolean;
  /** Frames the server skipped so far, before encoding (the client had not acknowledged enough). */
  dropped?: number;
}

/** The input held from now on: `move` [forward, right, up] in [-1, 1], `look` [yaw, pitch] degrees per frame. */
export interface HeldInput {
  move: [number, number, number];
  look: [number, number];
  jump: boolean;
  sprint: boolean;
  crouch: boolean;
}

/** A Director edit at the current frame, with world/edits.py's field names (no `frame`: the server sets it). */
export type LiveEvent =
  | { type: 'PlotEvent'; kind: string; value?: string; amount?: number; transition_frames?: number; a?: number; b?: number; radius?: number }
  | { type: 'InsertCharacter'; archetype: string; behaviour?: string; placement?: string; a?: number; b?: number;
      target_a?: number; target_b?: number; speed?: number; name?: string; seed?: number }
  | { type: 'ChangeShot'; kind?: string; fov?: number; distance?: number; height?: number; speed?: number;
      transition?: string; transition_frames?: number };

export interface StartMessage {
  type: 'start';
  /** The workflow, as the editor queues it (POST /prompt). */
  prompt: unknown;
  node: string;
  size: [number, number];
  start: number;
  codec: Codec;
  /** Frames the server may have sent and the client not yet acknowledged; it drops the rest before encoding. */
  window: number;
  audio: boolean;
}

export type ClientMessage =
  | StartMessage
  | ({ type: 'input'; seq: number } & HeldInput)
  | { type: 'event'; seq: number; event: LiveEvent }
  | { type: 'end'; seq: number; keep: boolean }
  /** Frame `frame` (and every one before it) is drawn, or decoded and superseded. */
  | { type: 'ack'; seq: number; frame: number };

/** A node to add when a walk is kept: a Director node and its widget values. */
export interface KeptEvent {
  class_type: string;
  inputs: Record<string, unknown>;
}

/** How the graph takes a kept walk: the walk node's new values, and Director nodes to chain after `after`. */
export interface Keep {
  walk: { node: string; inputs: Record<string, unknown> };
  /** The node that was played: the new nodes follow it and take over its LATENT output's links. */
  after: string;
  events: KeptEvent[];
}

/** An edit as the server recorded it (world/edits.py `Edit.to_json`): its class, frame and fields. */
export interface RecordedEdit {
  type: string;
  frame: number;
  [field: string]: unknown;
}

export type ServerNote =
  | { type: 'hello'; max_size: [number, number]; sessions: number; max_sessions: number }
  | { type: 'ready'; fps: number; frame: number; size: [number, number]; backend: string; codec?: Codec;
      audio?: { rate: number; channels: number } | null }
  /** After `end`: what was played, and with Keep what the graph takes (`keep`), or why it cannot (`keep_refused`). */
  | { type: 'recording'; keep?: Keep | null; keep_refused?: string; frames?: number; fps?: number; actions?: unknown[];
      edits?: RecordedEdit[] }
  | { type: 'error'; message: string; seq?: number };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON note from the server, or null when the text is not one this editor knows. */
export function parseNote(text: string): ServerNote | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(data)) return null;
  switch (data.type) {
    case 'hello':
      return typeof data.sessions === 'number' ? (data as ServerNote) : null;
    case 'ready':
      return typeof data.fps === 'number' && typeof data.frame === 'number' && Array.isArray(data.size) ? (data as ServerNote) : null;
    case 'recording':
      return data as ServerNote;
    case 'error':
      return typeof data.message === 'string' ? (data as ServerNote) : null;
    default:
      return null;
  }
}

export interface BinaryMessage {
  header: Record<string, unknown>;
  /** Where the payload starts in the message. */
  offset: number;
}

/** The header of a binary message and where its payload starts; null when it is malformed. */
export function readBinary(message: ArrayBuffer): BinaryMessage | null {
  if (message.byteLength < 4) return null;
  const length = new DataView(message).getUint32(0, false);
  if (4 + length > message.byteLength) return null;
  try {
    const header: unknown = JSON.parse(new TextDecoder().decode(new Uint8Array(message, 4, length)));
    return isObject(header) ? { header, offset: 4 + length } : null;
  } catch {
    return null;
  }
}

export function isFrameHeader(header: Record<string, unknown>): header is Record<string, unknown> & FrameHeader {
  return typeof header.frame === 'number' && typeof header.time === 'number' && Array.isArray(header.pose) &&
    header.pose.length === 5 && typeof header.input_seq === 'number';
}

/** A binary message for tests and tools: header length, header JSON, payload. */
export function packBinary(header: Record<string, unknown>, payload: Uint8Array): ArrayBuffer {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + text.length + payload.length);
  new DataView(out.buffer).setUint32(0, text.length, false);
  out.set(text, 4);
  out.set(payload, 4 + text.length);
  return out.buffer;
}
