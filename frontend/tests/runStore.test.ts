// @vitest-environment node
/** The run store, the shell around run/reduce.ts: alerts become notices, a reconnection reads the history. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { ServerEvent } from '../src/api/events';
import { useRun } from '../src/store/run';
import { useUi } from '../src/store/ui';
import { resetStores } from './helpers';

beforeEach(() => {
  resetStores();
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const run = () => useRun.getState();
const tabRun = (tab = 'tab') => run().runs[tab];
const image = (filename: string) => ({ filename, subfolder: 'shots', type: 'output' });
const start = (prompt: string, planned: number): ServerEvent => ({ type: 'execution_start', data: { prompt_id: prompt, planned } });
const executing = (prompt: string, node: string | null): ServerEvent => ({ type: 'executing', data: { prompt_id: prompt, node } });

describe('dispatch', () => {
  test('applies the reducer and shows its alerts as error notices', () => {
    run().dispatch({ type: 'prompt_queued', tab: 'tab', promptId: 'p1' });
    run().dispatch(start('p1', 2));
    run().dispatch({
      type: 'execution_error',
      data: { prompt_id: 'p1', node_id: '5', node_type: 'RenderVideo', exception_message: 'out of memory', exception_type: 'RuntimeError' },
    });
    expect(tabRun()).toMatchObject({ state: 'error', problems: { 5: { message: 'out of memory', inputs: {} } } });
    expect(useUi.getState().notices.map((n) => [n.kind, n.text])).toEqual([['error', 'node 5 (RenderVideo) failed: out of memory']]);
    run().dispatch({ type: 'status', data: { status: { exec_info: { queue_remaining: 1 } } } });
    expect(useUi.getState().notices).toHaveLength(1);
    vi.advanceTimersByTime(15_000);
    expect(useUi.getState().notices).toEqual([]);
  });

  test('a rejected prompt puts a notice up', () => {
    run().dispatch({ type: 'prompt_rejected', tab: 'tab', nodeErrors: {}, message: 'the prompt has errors' });
    expect(useUi.getState().notices.at(-1)).toMatchObject({ kind: 'error', text: 'the prompt has errors' });
  });

  test('the connection flag and a client id', () => {
    run().setConnected(true);
    expect(run().connected).toBe(true);
    expect(run().clientId).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('after a reconnection', () => {
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
    run().dispatch({ type: 'prompt_queued', tab: 'tab', promptId: 'p1' });
    run().dispatch({ type: 'prompt_queued', tab: 'other', promptId: 'p2' });
    run().dispatch(start('p1', 2));
    run().dispatch(executing('p1', '1'));
    run().setConnected(true);
    run().setConnected(false);
    run().setConnected(true);
    await vi.waitFor(() => expect(tabRun().state).toBe('success'));
    expect(tabRun().outputs['8']).toEqual({ videos: [image('clip.mp4')] });
    expect(tabRun().nodes['1']).toEqual({ status: 'done' });
    expect(tabRun('other').state).toBe('queued'); // still pending on the server
    expect(asked.map((url) => url.split('/history/')[1]).sort()).toEqual(['p1', 'p2']);
  });

  test('a prompt the server has forgotten is left as it is', async () => {
    const fetch = vi.fn(async () => new Response('{"error": "gone"}', { status: 404 }));
    vi.stubGlobal('fetch', fetch);
    run().dispatch({ type: 'prompt_queued', tab: 'tab', promptId: 'p1' });
    run().setConnected(true);
    run().setConnected(false);
    run().setConnected(true);
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    await run().reconcile();
    expect(tabRun().state).toBe('queued');
  });

  test('the first connection does not ask', () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    run().dispatch({ type: 'prompt_queued', tab: 'tab', promptId: 'p1' });
    run().setConnected(true);
    expect(fetch).not.toHaveBeenCalled();
  });
});
