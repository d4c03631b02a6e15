// @vitest-environment node
/** The run reducer (run/reduce.ts): event sequences in, run state out. */
import { describe, expect, test } from 'vitest';
import type { ServerEvent } from '../src/api/events';
import type { RunEvent, RunState, TabRun } from '../src/run/reduce';
import { emptyRun, initialRunState, overallProgress, problemsFrom, reduceRun } from '../src/run/reduce';

const play = (events: RunEvent[], from: RunState = initialRunState()) => events.reduce(reduceRun, from);
const image = (filename: string) => ({ filename, subfolder: 'shots', type: 'output' });

const queued = (promptId: string, tab = 'tab'): RunEvent => ({ type: 'prompt_queued', tab, promptId });
const start = (prompt: string, planned: number): ServerEvent => ({ type: 'execution_start', data: { prompt_id: prompt, planned } });
const executing = (prompt: string, node: string | null): ServerEvent => ({ type: 'executing', data: { prompt_id: prompt, node } });
const progress = (prompt: string, node: string, value: number, max: number): ServerEvent =>
  ({ type: 'progress', data: { prompt_id: prompt, node, value, max } });
const executed = (prompt: string, node: string, output: Record<string, unknown>): ServerEvent =>
  ({ type: 'executed', data: { prompt_id: prompt, node, output } });
const success = (prompt: string): ServerEvent => ({ type: 'execution_success', data: { prompt_id: prompt } });
const failed = (prompt: string, node: string, message: string): ServerEvent => ({
  type: 'execution_error',
  data: { prompt_id: prompt, node_id: node, node_type: 'RenderVideo', exception_message: message, exception_type: 'RuntimeError' },
});
const settled = (promptId: string, status: string, outputs: Record<string, Record<string, unknown>> = {}): RunEvent =>
  ({ type: 'run_settled', promptId, status, outputs });

describe('a run, event by event', () => {
  test('start, cached, executing, progress, executed and success', () => {
    let state = play([queued('p1')]);
    const tab = () => state.runs.tab;
    expect(tab()).toMatchObject({ promptId: 'p1', state: 'queued' });
    expect(state.promptTabs).toEqual({ p1: 'tab' });

    state = play([start('p1', 4)], state);
    expect(tab()).toMatchObject({ state: 'running', planned: 4 });
    expect(overallProgress(tab())).toBe(0);

    state = play([{ type: 'execution_cached', data: { prompt_id: 'p1', nodes: ['1'] } }], state);
    expect(tab().nodes['1']).toEqual({ status: 'cached' });
    expect(overallProgress(tab())).toBe(0.25);

    state = play([executing('p1', '2'), progress('p1', '2', 5, 10)], state);
    expect(tab().executing).toBe('2');
    expect(tab().nodes['2']).toEqual({ status: 'running', value: 5, max: 10 });
    expect(overallProgress(tab())).toBe(1.5 / 4);

    state = play([executing('p1', '3')], state);
    expect(tab().nodes['2']).toEqual({ status: 'done' });
    expect(tab().nodes['3']).toEqual({ status: 'running' });
    expect(overallProgress(tab())).toBe(0.5);

    state = play([executed('p1', '3', { images: [image('a.png'), image('b.png')], text: ['hi'] })], state);
    expect(tab().outputs['3']).toEqual({ images: [image('a.png'), image('b.png')], text: ['hi'] });
    expect(state.gallery.map((item) => [item.kind, item.node, item.file.filename, item.key])).toEqual([
      ['image', '3', 'a.png', 'p1:3:output:shots:a.png'], ['image', '3', 'b.png', 'p1:3:output:shots:b.png'],
    ]);

    state = play([executed('p1', '4', { videos: [image('v.mp4')], audio: [image('s.wav')] })], state);
    expect(state.gallery.map((item) => item.kind)).toEqual(['video', 'audio', 'image', 'image']);

    state = play([success('p1')], state);
    expect(tab()).toMatchObject({ state: 'success', executing: null });
    expect(tab().nodes).toEqual({ 1: { status: 'cached' }, 2: { status: 'done' }, 3: { status: 'done' } });
    expect(overallProgress(tab())).toBe(1);
    expect(state.alerts).toEqual([]);
  });

  test('the reducer changes nothing it is given', () => {
    const before = play([queued('p1'), start('p1', 2), executing('p1', '1')]);
    const copy = structuredClone(before);
    play([executing('p1', '2'), executed('p1', '2', { images: [image('a.png')] }), failed('p1', '2', 'x'), queued('p2')], before);
    expect(before).toEqual(copy);
  });
});

/** Each case: the events from a fresh state, then what the tab's run (and the state) must be. */
const cases: { name: string; events: RunEvent[]; tab?: Partial<TabRun>; check?(state: RunState): void }[] = [
  {
    name: 'executing with no node finishes the running one',
    events: [queued('p1'), start('p1', 1), executing('p1', '7'), executing('p1', null)],
    tab: { executing: null, nodes: { 7: { status: 'done' } } },
    check: (state) => expect(overallProgress(state.runs.tab)).toBe(1),
  },
  {
    name: 'execution_error puts a problem on the node and an alert out',
    events: [queued('p1'), start('p1', 2), executing('p1', '5'), failed('p1', '5', 'out of memory')],
    tab: { state: 'error', executing: null, nodes: { 5: { status: 'error' } }, problems: { 5: { message: 'out of memory', inputs: {} } } },
    check: (state) => expect(state.alerts).toEqual(['node 5 (RenderVideo) failed: out of memory']),
  },
  {
    name: 'an alert belongs to the event that raised it',
    events: [queued('p1'), start('p1', 2), failed('p1', '5', 'out of memory'), { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } } } }],
    check: (state) => expect(state.alerts).toEqual([]),
  },
  {
    name: 'execution_interrupted stops the run, leaving no running badge and no bar part-way',
    events: [queued('p1'), start('p1', 2), executing('p1', '0'), executing('p1', '1'), progress('p1', '1', 7, 8),
      { type: 'execution_interrupted', data: { prompt_id: 'p1', node_id: '1' } }],
    tab: { state: 'interrupted', executing: null, nodes: { 0: { status: 'done' } } },
    check: (state) => expect(overallProgress(state.runs.tab)).toBe(0),
  },
  {
    name: "events of prompts that are not the tab's current run are ignored; unknown prompts are held back",
    events: [queued('p1'), queued('theirs', 'other'), start('p1', 3), executing('p1', '1'), queued('p2'),
      start('stranger', 5), executing('stranger', '2'), executing('p2', '9'), progress('theirs', '3', 1, 2),
      executed('stranger', '2', { images: [image('x.png')] }), failed('stranger', '2', 'boom')],
    tab: { promptId: 'p1', state: 'running', planned: 3, executing: '1', nodes: { 1: { status: 'running' } } },
    check: (state) => {
      expect(state.promptTabs).toEqual({ p1: 'tab', p2: 'tab', theirs: 'other' });
      expect(state.runs.other.nodes).toEqual({ 3: { status: 'running', value: 1, max: 2 } });
      expect(state.runs.stranger).toBeUndefined();
      expect(state.gallery).toEqual([]);
      expect(state.alerts).toEqual([]);
      expect(state.unclaimed.map((e) => e.type)).toEqual(['execution_start', 'executing', 'executed', 'execution_error']);
    },
  },
  {
    name: 'events that overtake the reply to the prompt are replayed once it is queued',
    events: [start('fast', 1), executing('fast', '1'), executed('fast', '1', { images: [image('f.png')] }), success('fast'), queued('fast')],
    tab: { promptId: 'fast', state: 'success', nodes: { 1: { status: 'done' } }, outputs: { 1: { images: [image('f.png')] } } },
    check: (state) => {
      expect(state.gallery.map((item) => item.file.filename)).toEqual(['f.png']);
      expect(state.unclaimed).toEqual([]);
    },
  },
  {
    name: 'an overtaking error is alerted when its prompt is queued; other prompts stay held back',
    events: [start('fast', 1), failed('fast', '1', 'boom'), start('later', 1), queued('fast')],
    tab: { promptId: 'fast', state: 'error' },
    check: (state) => {
      expect(state.alerts).toEqual(['node 1 (RenderVideo) failed: boom']);
      expect(state.unclaimed).toEqual([start('later', 1)]);
    },
  },
  {
    name: 'only the last 500 unclaimed events are held',
    events: Array.from({ length: 510 }, (_, i) => progress('stranger', '1', i, 600)),
    check: (state) => {
      expect(state.unclaimed).toHaveLength(500);
      expect(state.unclaimed[0]).toEqual(progress('stranger', '1', 10, 600));
    },
  },
  {
    name: 'a tab follows the run that started last; late events of the earlier one are ignored',
    events: [queued('p1'), start('p1', 1), executing('p1', '1'), executed('p1', '1', { text: ['x'] }), queued('p2'), start('p2', 2),
      success('p1'), executing('p1', '4')],
    tab: { ...emptyRun(), promptId: 'p2', state: 'running', planned: 2, outputs: { 1: { text: ['x'] } } },
  },
  {
    name: 'queueing while idle replaces the run, keeping the last outputs',
    events: [queued('p1'), start('p1', 1), executed('p1', '1', { text: ['x'] }), success('p1'), queued('p2')],
    tab: { ...emptyRun(), promptId: 'p2', state: 'queued', outputs: { 1: { text: ['x'] } } },
  },
  {
    name: 'a cancelled pending prompt is marked',
    events: [queued('p1'), { type: 'prompt_cancelled', promptId: 'p1' }],
    tab: { promptId: 'p1', state: 'cancelled' },
  },
  {
    name: 'cancelling a prompt that already runs changes nothing',
    events: [queued('p3'), start('p3', 1), { type: 'prompt_cancelled', promptId: 'p3' }],
    tab: { promptId: 'p3', state: 'running' },
  },
  {
    name: 'status events set the queue size',
    events: [{ type: 'status', data: { status: { exec_info: { queue_remaining: 3 } } } }],
    check: (state) => expect(state.queueRemaining).toBe(3),
  },
  {
    name: "a run settled from the history after a reconnection takes the history's outputs",
    events: [queued('p1'), start('p1', 2), executing('p1', '1'), settled('p1', 'success', { 8: { videos: [image('clip.mp4')] } })],
    tab: { state: 'success', executing: null, nodes: { 1: { status: 'done' } }, outputs: { 8: { videos: [image('clip.mp4')] } } },
  },
  {
    name: 'a settled run keeps the outputs it heard; an unknown status counts as an error',
    events: [queued('p1'), start('p1', 1), executed('p1', '2', { text: ['heard'] }), settled('p1', 'exploded')],
    tab: { state: 'error', outputs: { 2: { text: ['heard'] } } },
  },
  {
    name: 'settling a prompt the tab no longer shows, or an unknown one, changes nothing',
    events: [queued('p1'), start('p1', 1), queued('p2'), start('p2', 1), settled('p1', 'interrupted'), settled('nobody', 'success')],
    tab: { promptId: 'p2', state: 'running' },
    check: (state) => expect(state.runs.nobody).toBeUndefined(),
  },
];

describe('event sequences', () => {
  test.each(cases)('$name', ({ events, tab, check }) => {
    const state = play(events);
    if (tab) expect(state.runs.tab).toMatchObject(tab);
    check?.(state);
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

  test('a rejected prompt shows the problems and an alert, keeping the outputs', () => {
    const state = play([queued('p1'), executed('p1', '1', { text: ['kept'] }),
      { type: 'prompt_rejected', tab: 'tab', nodeErrors, message: 'the prompt has errors' }]);
    expect(state.runs.tab).toMatchObject({ state: 'error', promptId: null, outputs: { 1: { text: ['kept'] } } });
    expect(Object.keys(state.runs.tab.problems)).toEqual(['2', '3']);
    expect(state.alerts).toEqual(['the prompt has errors']);
  });
});

describe('overallProgress', () => {
  test('no plan is no progress; progress never passes 1', () => {
    const base: TabRun = { ...emptyRun(), state: 'running' };
    expect(overallProgress(base)).toBe(0);
    expect(overallProgress({ ...base, planned: 1, nodes: { a: { status: 'done' }, b: { status: 'cached' } } })).toBe(1);
    expect(overallProgress({ ...base, planned: 2, nodes: { a: { status: 'running' }, b: { status: 'error' } } })).toBe(0);
  });
});
