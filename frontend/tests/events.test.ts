/** The event socket (api/events.ts): messages checked against the message schema; those that do not fit are dropped. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { ServerEvent, SocketHandlers } from '../src/api/events';
import { EventSocket } from '../src/api/events';
import messageSchema from '../src/api/messages.schema.json';
import type { Schema } from '../src/api/schema';
import { initialRunState, reduceRun } from '../src/run/reduce';
import { seededRandom } from './helpers';
import { sample } from './schemaSamples';

const messages = messageSchema as unknown as Schema;

/** Every ServerEvent type, once: the compiler refuses this object if the union gains or loses one. */
const UNION_TYPES: Record<ServerEvent['type'], true> = {
  status: true, execution_start: true, execution_cached: true, executing: true, progress: true, progress_state: true,
  executed: true, execution_success: true, execution_error: true, execution_interrupted: true,
};

describe('the ServerEvent union and the message schema', () => {
  test('name the same message types', () => {
    const schemaTypes = messages.oneOf!.map((branch) => branch.properties?.type?.const);
    expect(schemaTypes.every((type) => typeof type === 'string')).toBe(true);
    expect([...schemaTypes].sort()).toEqual(Object.keys(UNION_TYPES).sort());
  });

  test('the run reducer takes every message the schema allows', () => {
    const random = seededRandom(4);
    for (let i = 0; i < 500; i++) {
      const event = sample(messages, random) as ServerEvent;
      const promptId = 'prompt_id' in event.data ? event.data.prompt_id : 'p';
      const queued = reduceRun(initialRunState(), { type: 'prompt_queued', tab: 'tab', promptId });
      expect(() => reduceRun(queued, event), JSON.stringify(event)).not.toThrow();
    }
  });
});

class FakeSocket {
  static last: FakeSocket;
  onopen?: () => void;
  onmessage?: (message: { data: unknown }) => void;
  onclose?: () => void;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  close() {
    this.onclose?.();
  }
}

describe('EventSocket', () => {
  let handlers: { [K in keyof SocketHandlers]: ReturnType<typeof vi.fn> };
  let socket: EventSocket;
  /** A schema of two messages, so these tests do not hang on the server's exact one. */
  const schema: Schema = { oneOf: [
    { type: 'object', properties: { type: { const: 'progress' }, data: { type: 'object', properties: { value: { type: 'number' }, max: { type: 'number' } }, required: ['value', 'max'] } }, required: ['type', 'data'] },
    { type: 'object', properties: { type: { const: 'executed' }, data: { type: 'object', properties: { output: { type: 'object' } }, required: ['output'] } }, required: ['type', 'data'] },
  ] };
  const receive = (data: unknown) => FakeSocket.last.onmessage!({ data: typeof data === 'string' ? data : JSON.stringify(data) });

  beforeEach(() => {
    vi.stubGlobal('WebSocket', FakeSocket);
    handlers = { onEvent: vi.fn(), onState: vi.fn(), onInvalid: vi.fn() };
    socket = new EventSocket('me', handlers as unknown as SocketHandlers, schema);
    socket.open();
    FakeSocket.last.onopen!();
  });

  afterEach(() => {
    socket.close();
    vi.unstubAllGlobals();
  });

  test('connects with the client id and reports the connection', () => {
    expect(FakeSocket.last.url).toMatch(/\/ws\?clientId=me$/);
    expect(handlers.onState).toHaveBeenCalledWith(true);
  });

  test('a message that fits goes to the listener as it came, extra fields and all', () => {
    const event = { type: 'progress', data: { prompt_id: 'p1', node: '3', value: 1, max: 2 } };
    receive(event);
    expect(handlers.onEvent.mock.calls).toEqual([[event]]);
    expect(handlers.onInvalid).not.toHaveBeenCalled();
  });

  test("by default the server's message schema is the check: what the server sends today fits", () => {
    const real = new EventSocket('me', handlers as unknown as SocketHandlers);
    real.open();
    const sent = [
      { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'me' } },
      { type: 'execution_start', data: { timestamp: 1700000000000, planned: 3, prompt_id: 'p1' } },
      { type: 'execution_cached', data: { nodes: ['1'], timestamp: 1700000000001, prompt_id: 'p1' } },
      { type: 'executing', data: { node: '2', display_node: '2', prompt_id: 'p1' } },
      { type: 'progress', data: { value: 0.5, max: 1, node: '2', prompt_id: 'p1' } },
      { type: 'progress_state', data: { prompt_id: 'p1', nodes: { '2': { value: 0.5, max: 1, state: 'running', node_id: '2',
        display_node_id: '2', real_node_id: '2', parent_node_id: null, prompt_id: 'p1' } } } },
      { type: 'executed', data: { node: '2', display_node: '2', output: { images: [{ filename: 'a.png', subfolder: '', type: 'output' }] }, prompt_id: 'p1' } },
      { type: 'execution_error', data: { node_id: '2', node_type: 'Wander', executed: [], exception_message: 'boom', exception_type: 'ValueError',
        traceback: ['...'], current_inputs: {}, current_outputs: {}, prompt_id: 'p1' } },
      { type: 'executing', data: { node: null, prompt_id: 'p1' } },
      { type: 'execution_success', data: { timestamp: 1700000000002, prompt_id: 'p1' } },
      { type: 'execution_interrupted', data: { node_id: null, executed: ['1'], prompt_id: 'p1' } },
    ];
    sent.forEach(receive);
    expect(handlers.onInvalid).not.toHaveBeenCalled();
    expect(handlers.onEvent).toHaveBeenCalledTimes(sent.length);
    receive({ type: 'progress', data: { prompt_id: 'p1', node: '2', value: 'half', max: 1 } });
    expect(handlers.onInvalid).toHaveBeenCalledTimes(1);
    real.close();
  });

  test('a message that does not fit is dropped and reported once per type, with what is wrong', () => {
    receive({ type: 'progress', data: { value: 'half', max: 10 } });
    receive({ type: 'progress', data: { value: 5 } });
    receive({ type: 'executed', data: {} });
    receive({ type: 'progress', data: { value: 5, max: 10 } });
    expect(handlers.onEvent).toHaveBeenCalledTimes(1);
    expect(handlers.onInvalid.mock.calls).toEqual([
      ['progress', ['$: fits none of the 2 alternatives', '$.data.value: expected number, found "half"']],
      ['executed', ['$: fits none of the 2 alternatives', '$.data.output: required, found nothing']],
    ]);
  });

  test('unknown types, messages without a type and text that is not JSON are dropped too', () => {
    receive({ type: 'crystal_ball', data: {} });
    receive({ data: {} });
    receive('{not json');
    receive('{not json either');
    expect(handlers.onEvent).not.toHaveBeenCalled();
    expect(handlers.onInvalid.mock.calls.map(([type]) => type)).toEqual(['crystal_ball', '(no type)', '(not JSON)']);
    expect(handlers.onInvalid.mock.calls[0][1]).toEqual(['$: fits none of the 2 alternatives']);
  });

  test('binary frames are ignored', () => {
    FakeSocket.last.onmessage!({ data: new ArrayBuffer(4) });
    expect(handlers.onEvent).not.toHaveBeenCalled();
    expect(handlers.onInvalid).not.toHaveBeenCalled();
  });
});
