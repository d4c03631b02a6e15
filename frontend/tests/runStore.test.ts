// @vitest-environment node
/** The run store: server events become node states, progress, outputs and problems. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { ServerEvent } from '../src/api/events';
import type { TabRun } from '../src/store/run';
import { emptyRun, overallProgress, problemsFrom, useRun } from '../src/store/run';
import { resetStores } from './helpers';

beforeEach(() => {
  resetStores();
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

const run = () => useRun.getState();
const tabRun = (tab = 'tab') => run().runs[tab];
const send = (...events: ServerEvent[]) => events.forEach((event) => run().handle(event));
const image = (filename: string) => ({ filename, subfolder: 'shots', type: 'output' });

const start = (prompt: string, planned: number): ServerEvent => ({ type: 'execution_start', data: { prompt_id: prompt, planned } });
const executing = (prompt: string, node: string | null): ServerEvent => ({ type: 'executing', data: { prompt_id: prompt, node } });
const progress = (prompt: string, node: string, value: number, max: number): ServerEvent =>
  ({ type: 'progress', data: { prompt_id: prompt, node, value, max } });

describe('a run, event by event', () => {
  test('start, cached, executing, progress, executed and success', () => {
    run().queued('tab', 'p1');
    expect(tabRun()).toMatchObject({ promptId: 'p1', state: 'queued' });
    expect(run().promptTabs).toEqual({ p1: 'tab' });

    send(start('p1', 4));
    expect(tabRun()).toMatchObject({ state: 'running', planned: 4 });
    expect(overallProgress(tabRun())).toBe(0);

    send({ type: 'execution_cached', data: { prompt_id: 'p1', nodes: ['1'] } });
    expect(tabRun().nodes['1']).toEqual({ status: 'cached' });
    expect(overallProgress(tabRun())).toBe(0.25);

    send(executing('p1', '2'), progress('p1', '2', 5, 10));
    expect(tabRun().executing).toBe('2');
    expect(tabRun().nodes['2']).toEqual({ status: 'running', value: 5, max: 10 });
    expect(overallProgress(tabRun())).toBe(1.5 / 4);

    send(executing('p1', '3'));
    expect(tabRun().nodes['2']).toEqual({ status: 'done' });
    expect(tabRun().nodes['3']).toEqual({ status: 'running' });
    expect(overallProgress(tabRun())).toBe(0.5);

    send({ type: 'executed', data: { prompt_id: 'p1', node: '3', output: { images: [image('a.png'), image('b.png')], text: ['hi'] } } });
    expect(tabRun().outputs['3']).toEqual({ images: [image('a.png'), image('b.png')], text: ['hi'] });
    expect(run().gallery.map((item) => [item.kind, item.node, item.file.filename, item.key])).toEqual([
      ['image', '3', 'a.png', 'p1:3:output:shots:a.png'], ['image', '3', 'b.png', 'p1:3:output:shots:b.png'],
    ]);

    send({ type: 'executed', data: { prompt_id: 'p1', node: '4', output: { videos: [image('v.mp4')], audio: [image('s.wav')] } } });
    expect(run().gallery.map((item) => item.kind)).toEqual(['video', 'audio', 'image', 'image']);

    send({ type: 'execution_success', data: { prompt_id: 'p1' } });
    expect(tabRun()).toMatchObject({ state: 'success', executing: null });
    expect(tabRun().nodes).toEqual({ 1: { status: 'cached' }, 2: { status: 'done' }, 3: { status: 'done' } });
    expect(overallProgress(tabRun())).toBe(1);
  });

  test('executing with no node finishes the running one', () => {
    run().queued('tab', 'p1');
    send(start('p1', 1), executing('p1', '7'), executing('p1', null));
    expect(tabRun()).toMatchObject({ executing: null, nodes: { 7: { status: 'done' } } });
    expect(overallProgress(tabRun())).toBe(1);
  });

  test('execution_error puts a problem on the node and a notice up', () => {
    run().queued('tab', 'p1');
    send(start('p1', 2), executing('p1', '5'), {
      type: 'execution_error',
      data: { prompt_id: 'p1', node_id: '5', node_type: 'RenderVideo', exception_message: 'out of memory', exception_type: 'RuntimeError' },
    });
    expect(tabRun()).toMatchObject({ state: 'error', executing: null });
    expect(tabRun().nodes['5']).toEqual({ status: 'error' });
    expect(tabRun().problems['5']).toEqual({ message: 'out of memory', inputs: {} });
    expect(run().notices.map((n) => [n.kind, n.text])).toEqual([['error', 'node 5 (RenderVideo) failed: out of memory']]);
    vi.advanceTimersByTime(15_000);
    expect(run().notices).toEqual([]);
    run().clearProblem('tab', '5');
    expect(tabRun().problems).toEqual({});
  });

  test('execution_interrupted stops the run', () => {
    run().queued('tab', 'p1');
    send(start('p1', 2), executing('p1', '1'), { type: 'execution_interrupted', data: { prompt_id: 'p1', node_id: '1' } });
    expect(tabRun()).toMatchObject({ state: 'interrupted', executing: null });
  });

  test('events of prompts that are not the tab\'s current run are ignored', () => {
    run().queued('tab', 'p1');
    run().queued('other', 'theirs');
    send(start('p1', 3), executing('p1', '1'));
    run().queued('tab', 'p2');
    expect(tabRun()).toMatchObject({ promptId: 'p1', state: 'running' });
    expect(run().promptTabs).toEqual({ p1: 'tab', p2: 'tab', theirs: 'other' });
    send(start('stranger', 5), executing('stranger', '2'), executing('p2', '9'), progress('theirs', '3', 1, 2),
      { type: 'executed', data: { prompt_id: 'stranger', node: '2', output: { images: [image('x.png')] } } });
    expect(tabRun()).toMatchObject({ promptId: 'p1', planned: 3, executing: '1', nodes: { 1: { status: 'running' } } });
    expect(tabRun('other').nodes).toEqual({ 3: { status: 'running', value: 1, max: 2 } });
    expect(run().runs.stranger).toBeUndefined();
    expect(run().gallery).toEqual([]);
  });

  test('events that overtake the reply to the prompt are replayed once it is queued', () => {
    send(start('fast', 1), executing('fast', '1'), { type: 'executed', data: { prompt_id: 'fast', node: '1', output: { images: [image('f.png')] } } },
      { type: 'execution_success', data: { prompt_id: 'fast' } });
    expect(run().runs).toEqual({});
    run().queued('tab', 'fast');
    expect(tabRun()).toMatchObject({ promptId: 'fast', state: 'success', nodes: { 1: { status: 'done' } }, outputs: { 1: { images: [image('f.png')] } } });
    expect(run().gallery.map((item) => item.file.filename)).toEqual(['f.png']);
  });

  test('a tab follows the run that started last; late events of the earlier one are ignored', () => {
    run().queued('tab', 'p1');
    send(start('p1', 1), executing('p1', '1'), { type: 'executed', data: { prompt_id: 'p1', node: '1', output: { text: ['x'] } } });
    run().queued('tab', 'p2');
    send(start('p2', 2));
    expect(tabRun()).toEqual({ ...emptyRun(), promptId: 'p2', state: 'running', planned: 2, outputs: { 1: { text: ['x'] } } });
    send({ type: 'execution_success', data: { prompt_id: 'p1' } }, executing('p1', '4'));
    expect(tabRun()).toMatchObject({ promptId: 'p2', state: 'running', nodes: {} });
  });

  test('queueing while idle replaces the run, keeping the last outputs; a cancelled pending prompt is marked', () => {
    run().queued('tab', 'p1');
    send(start('p1', 1), { type: 'executed', data: { prompt_id: 'p1', node: '1', output: { text: ['x'] } } },
      { type: 'execution_success', data: { prompt_id: 'p1' } });
    run().queued('tab', 'p2');
    expect(tabRun()).toEqual({ ...emptyRun(), promptId: 'p2', state: 'queued', outputs: { 1: { text: ['x'] } } });
    run().cancelled('p2');
    expect(tabRun().state).toBe('cancelled');
    run().queued('tab', 'p3');
    send(start('p3', 1));
    run().cancelled('p3');
    expect(tabRun().state).toBe('running');
  });

  test('status events set the queue size', () => {
    send({ type: 'status', data: { status: { exec_info: { queue_remaining: 3 } } } });
    expect(run().queueRemaining).toBe(3);
  });
});

describe('validation errors', () => {
  const nodeErrors = {
    '2': {
      class_type: 'EmptyImage',
      errors: [
        { type: 'value_bigger_than_max', message: 'width is too big', details: 'width 9000 > 8192', extra_info: { input_name: 'width' } },
        { type: 'required_input_missing', message: 'height is missing', details: '', extra_info: { input_name: 'height' } },
        { type: 'custom_validation_failed', message: 'the node refused', details: 'why', extra_info: { input_name: null } },
      ],
    },
    '3': { errors: [{ type: 'exception', message: 'boom', details: '' }] },
  };

  test('problemsFrom maps errors to their inputs, details first, and joins the messages', () => {
    expect(problemsFrom(nodeErrors)).toEqual({
      2: { message: 'width is too big\nheight is missing\nthe node refused', inputs: { width: 'width 9000 > 8192', height: 'height is missing' } },
      3: { message: 'boom', inputs: {} },
    });
    expect(problemsFrom({})).toEqual({});
  });

  test('a rejected prompt shows the problems and a notice, keeping the outputs', () => {
    run().queued('tab', 'p1');
    send({ type: 'executed', data: { prompt_id: 'p1', node: '1', output: { text: ['kept'] } } });
    run().rejected('tab', nodeErrors, 'the prompt has errors');
    expect(tabRun()).toMatchObject({ state: 'error', promptId: null, outputs: { 1: { text: ['kept'] } } });
    expect(Object.keys(tabRun().problems)).toEqual(['2', '3']);
    expect(run().notices.at(-1)).toMatchObject({ kind: 'error', text: 'the prompt has errors' });
  });
});

describe('overallProgress and notices', () => {
  test('no plan is no progress; progress never passes 1', () => {
    const base: TabRun = { ...emptyRun(), state: 'running' };
    expect(overallProgress(base)).toBe(0);
    expect(overallProgress({ ...base, planned: 1, nodes: { a: { status: 'done' }, b: { status: 'cached' } } })).toBe(1);
    expect(overallProgress({ ...base, planned: 2, nodes: { a: { status: 'running' }, b: { status: 'error' } } })).toBe(0);
  });

  test('at most five notices; info notices go after 4 s; dismiss removes one', () => {
    for (let i = 0; i < 7; i++) run().notify('info', `n${i}`);
    expect(run().notices.map((n) => n.text)).toEqual(['n2', 'n3', 'n4', 'n5', 'n6']);
    run().dismiss(run().notices[0].id);
    expect(run().notices).toHaveLength(4);
    vi.advanceTimersByTime(4000);
    expect(run().notices).toEqual([]);
  });

  test('the connection flag and a client id', () => {
    run().setConnected(true);
    expect(run().connected).toBe(true);
    expect(run().clientId).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('after a reconnection', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  test("runs whose end was missed are settled from the server's history", async () => {
    const history: Record<string, unknown> = {
      p1: { prompt: [1, 'p1', {}, {}, []], outputs: { '8': { videos: [image('clip.mp4')] } },
            status: { status_str: 'success', completed: true, messages: [] } },
    };
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      asked.push(url);
      const id = decodeURIComponent(url.split('/history/')[1]);
      return new Response(JSON.stringify(id in history ? { [id]: history[id] } : {}), { status: 200 });
    });
    run().queued('tab', 'p1');
    run().queued('other', 'p2');
    send(start('p1', 2), executing('p1', '1'));
    run().setConnected(true);
    run().setConnected(false);
    run().setConnected(true);
    await vi.waitFor(() => expect(tabRun().state).toBe('success'));
    expect(tabRun().outputs['8']).toEqual({ videos: [image('clip.mp4')] });
    expect(tabRun().nodes['1']).toEqual({ status: 'done' });
    expect(tabRun('other').state).toBe('queued'); // still pending on the server
    expect(asked.map((url) => url.split('/history/')[1]).sort()).toEqual(['p1', 'p2']);
  });

  test('the first connection does not ask', () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    run().queued('tab', 'p1');
    run().setConnected(true);
    expect(fetch).not.toHaveBeenCalled();
  });
});
