/**
 * One live session's socket: says what to play, numbers the client's messages (inputs, events, acks, end),
 * and routes what comes back: JSON notes, frame messages (H.264 or JPEG, as their header's `codec` says) and
 * sound messages (binary with `"type": "audio"` in the header, handed whole to the sound player).
 */
import type { ClientMessage, FrameHeader, HeldInput, LiveEvent, ServerNote, StartMessage } from './protocol';
import { isFrameHeader, parseNote, readBinary } from './protocol';

export interface ConnectionHandlers {
  onNote(note: ServerNote): void;
  /** A frame: its header and payload (a view into the message, not a copy); `bytes` is the whole message. */
  onFrame(header: FrameHeader, payload: Uint8Array, bytes: number): void;
  onAudio(message: ArrayBuffer): void;
  /** The socket closed, by the server or the network (not after `close()`). */
  onClose(): void;
}

export function liveUrl(origin: string = window.location.origin): string {
  return `${origin.replace(/^http/, 'ws')}/live`;
}

export class LiveConnection {
  private readonly socket: WebSocket;
  private seq = 0;

  constructor(start: Omit<StartMessage, 'type'>, private readonly handlers: ConnectionHandlers, url: string = liveUrl()) {
    this.socket = new WebSocket(url);
    this.socket.binaryType = 'arraybuffer';
    let greeted = false;
    this.socket.onmessage = (message) => {
      if (typeof message.data === 'string') {
        const note = parseNote(message.data);
        if (!note) return;
        if (note.type === 'hello' && !greeted) {
          greeted = true;
          this.send({ type: 'start', ...start });
        }
        handlers.onNote(note);
      } else if (message.data instanceof ArrayBuffer) {
        this.binary(message.data);
      }
    };
    this.socket.onclose = () => handlers.onClose();
  }

  private binary(data: ArrayBuffer): void {
    const read = readBinary(data);
    if (!read) return;
    if (read.header.type === 'audio') this.handlers.onAudio(data);
    else if (isFrameHeader(read.header)) {
      this.handlers.onFrame(read.header, new Uint8Array(data, read.offset), data.byteLength);
    }
  }

  private send(message: ClientMessage): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private next(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Hold `held` from now on; returns the message's seq (frames that reflect it carry input_seq >= it). */
  input(held: HeldInput): number {
    const seq = this.next();
    this.send({ type: 'input', seq, ...held });
    return seq;
  }

  event(event: LiveEvent): number {
    const seq = this.next();
    this.send({ type: 'event', seq, event });
    return seq;
  }

  /** Frame `frame` and those before it are drawn (or decoded and superseded): the server may send more. */
  ack(frame: number): number {
    const seq = this.next();
    this.send({ type: 'ack', seq, frame });
    return seq;
  }

  end(keep: boolean): number {
    const seq = this.next();
    this.send({ type: 'end', seq, keep });
    return seq;
  }

  /** Close the socket: the server ends the session's process. */
  close(): void {
    this.socket.onmessage = null;
    this.socket.onclose = null;
    this.socket.close();
  }
}
