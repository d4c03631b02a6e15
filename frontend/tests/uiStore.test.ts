// @vitest-environment node
/** The UI store's notices: a few at a time, each going by itself. */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { notify, useUi } from '../src/store/ui';
import { resetStores } from './helpers';

beforeEach(() => {
  resetStores();
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

const ui = () => useUi.getState();

test('at most five notices; info notices go after 4 s; dismiss removes one', () => {
  for (let i = 0; i < 7; i++) notify('info', `n${i}`);
  expect(ui().notices.map((n) => n.text)).toEqual(['n2', 'n3', 'n4', 'n5', 'n6']);
  ui().dismiss(ui().notices[0].id);
  expect(ui().notices).toHaveLength(4);
  vi.advanceTimersByTime(4000);
  expect(ui().notices).toEqual([]);
});

test('error notices stay 15 s', () => {
  notify('error', 'bad');
  vi.advanceTimersByTime(14_999);
  expect(ui().notices.map((n) => n.text)).toEqual(['bad']);
  vi.advanceTimersByTime(1);
  expect(ui().notices).toEqual([]);
});
