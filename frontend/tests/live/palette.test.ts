// @vitest-environment node
/** The palette's events come from the node definitions and carry only fields the server's edits have. */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { behaviours, buildPalette, toSend } from '../../src/live/palette';
import { library, readJson } from '../helpers';

/** world/edits.py's fields per edit (tests/fixtures/make_fixtures.py). */
const EDIT_FIELDS = readJson<Record<string, string[]>>(join(__dirname, '..', 'fixtures', 'edit_fields.json'));
const palette = buildPalette(library, 30);
const group = (id: string) => palette.find((g) => g.id === id)!;

describe('buildPalette', () => {
  test('groups: weather, time of day, light, pace, objects, characters, shots', () => {
    expect(palette.map((g) => g.id)).toEqual(['weather', 'time', 'light', 'pace', 'object', 'character', 'shot']);
    for (const g of palette) expect(g.entries.length).toBeGreaterThan(0);
  });

  test('every event has a type the server takes and only the fields of its edit', () => {
    for (const entry of palette.flatMap((g) => g.entries)) {
      const { type, ...fields } = entry.event;
      expect(Object.keys(EDIT_FIELDS)).toContain(type);
      for (const name of Object.keys(fields)) expect(EDIT_FIELDS[type]).toContain(name);
    }
  });

  test('weathers are the world’s weathers; lights and objects are the rest of PlotEvent’s values', () => {
    expect(group('weather').entries.map((e) => e.event)).toContainEqual({ type: 'PlotEvent', kind: 'weather', value: 'snow', transition_frames: 60 });
    expect(group('weather').entries.map((e) => e.label)).toEqual(['clear', 'overcast', 'rain', 'snow', 'fog']);
    expect(group('light').entries.map((e) => e.label)).toEqual(['neutral', 'warm', 'cool', 'dim', 'bright', 'eerie']);
    const objects = group('object').entries.map((e) => e.event);
    expect(objects).toContainEqual({ type: 'PlotEvent', kind: 'add_object', value: 'dead_tree', a: 10, b: 0 });
    expect(objects.at(-1)).toEqual({ type: 'PlotEvent', kind: 'remove_object', a: 10, b: 0, radius: 6 });
  });

  test('a time of day is an hour', () => {
    expect(group('time').entries.find((e) => e.label === 'noon')!.event).toEqual({ type: 'PlotEvent', kind: 'time_of_day', amount: 12, transition_frames: 60 });
  });

  test('characters are placed ahead of the walker with the chosen behaviour; shots take ChangeShot’s defaults', () => {
    const deer = buildPalette(library, 30, 'flee').find((g) => g.id === 'character')!.entries.find((e) => e.id === 'character:deer')!;
    expect(deer.event).toMatchObject({ type: 'InsertCharacter', archetype: 'deer', behaviour: 'flee', placement: 'relative', a: 8, b: 0 });
    expect(group('shot').entries.map((e) => e.label)).toContain('orbit');
    expect(group('shot').entries[0].event).toEqual({ type: 'ChangeShot', kind: 'first_person', fov: 70, transition: 'cut', transition_frames: 0, distance: 5, height: 1.5, speed: 0.25 });
  });

  test('a library without the Director nodes has no palette', () => {
    expect(buildPalette(new Map(), 30)).toEqual([]);
  });
});

test('behaviours come from InsertCharacter', () => {
  expect(behaviours(library)).toEqual(['idle', 'walk_to', 'follow', 'wander', 'flee']);
});

test('each character sent has a seed of its own', () => {
  const deer = group('character').entries[0].event;
  expect(toSend(deer, () => 0.5)).toMatchObject({ seed: 2 ** 30 });
  expect(toSend(group('weather').entries[0].event)).toBe(group('weather').entries[0].event);
});
