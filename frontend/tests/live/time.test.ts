// @vitest-environment node
import { expect, test } from 'vitest';
import { formatTime, parseTime } from '../../src/live/time';

test('formatTime writes m:ss', () => {
  expect(formatTime(0)).toBe('0:00');
  expect(formatTime(42.9)).toBe('0:42');
  expect(formatTime(725)).toBe('12:05');
  expect(formatTime(-3)).toBe('0:00');
});

test('parseTime reads m:ss or seconds', () => {
  expect(parseTime('0:42')).toBe(42);
  expect(parseTime('1:02.5')).toBe(62.5);
  expect(parseTime(' 42 ')).toBe(42);
  expect(parseTime('7.5')).toBe(7.5);
  for (const bad of ['', 'abc', '1:75', '-3', '1:2:3']) expect(parseTime(bad)).toBeNull();
});
