// @vitest-environment node
/** Where a viewport's session stands. */
import { describe, expect, test } from 'vitest';
import type { SessionEvent, SessionView } from '../../src/live/phase';
import { initialView, reduceView } from '../../src/live/phase';

const run = (...events: SessionEvent[]): SessionView => events.reduce(reduceView, initialView);
const hello: SessionEvent = { type: 'note', note: { type: 'hello', max_size: [1280, 720], sessions: 0, max_sessions: 2 } };
const ready: SessionEvent = { type: 'note', note: { type: 'ready', fps: 30, frame: 0, size: [320, 180], backend: 'procedural' } };
const error = (message: string, seq?: number): SessionEvent => ({ type: 'note', note: { type: 'error', message, seq } });

describe('reduceView', () => {
  test('connecting -> starting -> playing -> ending (keep)', () => {
    expect(run(hello).phase).toBe('starting');
    expect(run(hello, ready)).toMatchObject({ phase: 'playing', ready: { fps: 30 } });
    expect(run(hello, ready, { type: 'end', keep: true })).toMatchObject({ phase: 'ending', keeping: true });
  });

  test('a refused start ends the session with the server’s message', () => {
    expect(run(hello, error('the workflow has no node 9'))).toMatchObject({ phase: 'ended', message: 'the workflow has no node 9' });
  });

  test('an error while playing is remembered; the session ends with it when the socket closes', () => {
    const refused = run(hello, ready, error("event PlotEvent: input 'value' ...", 4));
    expect(refused.phase).toBe('playing');
    expect(run(hello, ready, error('the live session crashed: signal 11 (SIGSEGV)'), { type: 'closed' }))
      .toMatchObject({ phase: 'ended', message: 'the live session crashed: signal 11 (SIGSEGV)' });
    expect(run(hello, ready, { type: 'closed' })).toMatchObject({ phase: 'ended', message: 'the live connection closed' });
  });

  test('after Discard the socket closing is no error; after Keep it is, until the recording came', () => {
    expect(run(hello, ready, { type: 'end', keep: false }, { type: 'closed' })).toMatchObject({ phase: 'ended', message: null });
    expect(run(hello, ready, { type: 'end', keep: true }, { type: 'closed' }))
      .toMatchObject({ phase: 'ended', message: 'the session ended before its recording came' });
    expect(run(hello, ready, { type: 'end', keep: true }, { type: 'keep_refused', message: 'no walk' }))
      .toMatchObject({ phase: 'ended', message: 'the walk cannot be kept: no walk' });
  });

  test('ending only from playing; ended is final', () => {
    expect(run({ type: 'end', keep: true }).phase).toBe('connecting');
    const ended = run(hello, ready, { type: 'closed' });
    expect(reduceView(ended, ready)).toBe(ended);
  });
});
