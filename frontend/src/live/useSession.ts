/**
 * A viewport's live session, as a React hook: opens the socket with the tab's workflow and the codec this
 * browser decodes best, draws frames on the canvas and acknowledges each, plays the sound, binds the
 * controls once the session is ready, measures, and sends events, Keep and Discard. Closing the viewport
 * (unmounting) closes the socket, which ends the session on the server.
 */
import type { RefObject } from 'react';
import { useEffect, useReducer, useRef } from 'react';
import { toWorkflow } from '../graph/document';
import { useEditor } from '../store/editor';
import { chooseCodec } from './codec';
import { LiveConnection } from './connection';
import { LiveControls } from './controls';
import { H264Painter } from './h264';
import { WalkPath } from './minimap';
import type { FrameSink, PainterEvents } from './painter';
import { JpegPainter } from './painter';
import type { SessionView } from './phase';
import { initialView, reduceView } from './phase';
import type { Codec, LiveEvent, ServerNote } from './protocol';
import type { PlayRequest } from './store';
import { useLive } from './store';
import { LiveStats } from './stats';

/** Frames the server may send before the viewport acknowledges them; it drops the rest before encoding. */
export const ACK_WINDOW = 2;

type Recording = Extract<ServerNote, { type: 'recording' }>;

export interface SessionHandlers {
  /** An error note; `seq` names the message it refuses, when it refuses one. */
  onError(message: string, seq?: number): void;
  /** The recording after Keep (only then), with the server's `keep` (or `keep_refused`). */
  onRecording(recording: Recording): void;
}

export interface LiveSessionApi {
  view: SessionView;
  stats: RefObject<LiveStats | null>;
  path: RefObject<WalkPath>;
  /** Send an event at the current frame; its seq (0 when the session is not playing). */
  trigger(event: LiveEvent): number;
  end(keep: boolean): void;
  /** The recording came but cannot be kept: the session is over, with this message. */
  refuseKeep(message: string): void;
}

export function useLiveSession(request: PlayRequest, size: [number, number], canvas: RefObject<HTMLCanvasElement | null>,
  handlers: SessionHandlers): LiveSessionApi {
  const [view, dispatch] = useReducer(reduceView, initialView);
  const stats = useRef<LiveStats | null>(null);
  const path = useRef(new WalkPath());
  const connection = useRef<LiveConnection | null>(null);
  const controls = useRef<LiveControls | null>(null);
  const viewRef = useRef(view);
  viewRef.current = view;
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;

  useEffect(() => {
    const target = canvas.current;
    const tab = useEditor.getState().tabs.find((t) => t.id === request.tab);
    if (!target || !tab) return;
    const measured = new LiveStats(request.node, size, request.at).publish();
    stats.current = measured;
    path.current = new WalkPath();
    const sound = useLive.getState().sound; // opened by the Play click; the store closes it with the viewport
    measured.sound = sound;
    const prompt = toWorkflow(tab.doc);
    let socket: LiveConnection | null = null;
    let painter: FrameSink | null = null;
    let ready = false;
    let gone = false;
    const events: PainterEvents = {
      drawn: (header) => {
        measured.drawn(header);
        path.current.add(header.pose);
      },
      done: (header) => socket?.ack(header.frame),
      skipped: () => measured.skippedFrame(),
    };
    const open = (codec: Codec) => {
      measured.codec = codec;
      socket = new LiveConnection({ prompt, node: request.node, size, start: request.start, codec, window: ACK_WINDOW, audio: sound !== null }, {
        onNote: (note) => {
          dispatch({ type: 'note', note });
          if (note.type === 'ready' && !controls.current) {
            ready = true;
            measured.phase = 'playing';
            measured.codec = note.codec ?? 'jpeg'; // what the server sends (an older one: JPEG only)
            painter = measured.codec === 'h264' ? new H264Painter(target, events) : new JpegPainter(target, events);
            const bound = new LiveControls(target, note.fps, (held) => measured.sentInput(socket!.input(held)));
            bound.attach();
            controls.current = bound;
          } else if (note.type === 'error') {
            handlersRef.current.onError(note.message, note.seq);
          } else if (note.type === 'recording' && viewRef.current.keeping && ready) {
            handlersRef.current.onRecording(note);
          }
        },
        onFrame: (header, payload, bytes) => {
          measured.received(header, bytes);
          painter?.push(header, payload);
        },
        onAudio: (message) => {
          measured.receivedAudio(message.byteLength);
          sound?.push(message);
        },
        onClose: () => {
          measured.phase = 'ended';
          controls.current?.detach();
          dispatch({ type: 'closed' });
        },
      });
      connection.current = socket;
    };
    void chooseCodec(size).then((codec) => gone || open(codec));
    return () => {
      gone = true;
      measured.phase = 'ended';
      controls.current?.detach();
      controls.current = null;
      painter?.stop();
      socket?.close();
      connection.current = null;
    };
  }, [request, size, canvas]);

  return {
    view,
    stats,
    path,
    trigger: (event) => (viewRef.current.phase === 'playing' && connection.current ? connection.current.event(event) : 0),
    end: (keep) => {
      if (viewRef.current.phase !== 'playing' || !connection.current) return;
      controls.current?.detach();
      dispatch({ type: 'end', keep });
      viewRef.current = reduceView(viewRef.current, { type: 'end', keep });
      connection.current.end(keep);
    },
    refuseKeep: (message) => dispatch({ type: 'keep_refused', message }),
  };
}
