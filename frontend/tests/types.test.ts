// @vitest-environment node
/** Socket-type rules: the same answers as graph/types.py (tests/fixtures/type_rules.json). */
import { describe, expect, test } from 'vitest';
import { ANY, compatible, fallbackColour, splitTypes, WIDGET_TYPES } from '../src/graph/types';
import { typeRules } from './helpers';

describe('socket types', () => {
  test('the widget types are the Python ones', () => {
    expect([...WIDGET_TYPES].sort()).toEqual(typeRules.widget_types);
    expect(ANY).toBe('*');
  });

  test('splitTypes trims the parts of a union and drops empty ones, as split_types does', () => {
    typeRules.names.forEach((name, i) => expect([...splitTypes(name)].sort(), JSON.stringify(name)).toEqual(typeRules.split[i]));
  });

  test('compatible agrees with TypeRegistry.compatible on every pair', () => {
    typeRules.names.forEach((produced, i) => typeRules.names.forEach((accepted, j) => {
      expect(compatible(produced, accepted), `${JSON.stringify(produced)} -> ${JSON.stringify(accepted)}`)
        .toBe(typeRules.compatible[i][j]);
    }));
  });

  test('unions match on any shared member, * on anything, names are case-sensitive', () => {
    expect(compatible('IMAGE', 'IMAGE,VIDEO')).toBe(true);
    expect(compatible('VIDEO,AUDIO', ' IMAGE , VIDEO ')).toBe(true);
    expect(compatible('IMAGE', 'VIDEO,AUDIO')).toBe(false);
    expect(compatible('*', 'WORLD')).toBe(true);
    expect(compatible('LATENT', '*')).toBe(true);
    expect(compatible('', '*')).toBe(true);
    expect(compatible('', '')).toBe(false);
    expect(compatible('latent', 'LATENT')).toBe(false);
  });

  test('fallbackColour is stable and a colour', () => {
    expect(fallbackColour('MY_TYPE')).toBe(fallbackColour('MY_TYPE'));
    for (const type of ['A', 'MASK', 'CONDITIONING', '', 'éß']) expect(fallbackColour(type)).toMatch(/^#[0-9a-f]{6}$/);
  });
});
