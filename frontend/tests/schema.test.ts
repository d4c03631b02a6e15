// @vitest-environment node
/** The schema validator (api/schema.ts), by example and on random values built from the message schema. */
import { describe, expect, test } from 'vitest';
import messageSchema from '../src/api/messages.schema.json';
import type { Schema } from '../src/api/schema';
import { jsonEqual, jsonType, validate } from '../src/api/schema';
import { seededRandom } from './helpers';
import { ALL_TYPES, sample, spoiled, valueOfType } from './schemaSamples';

const messages = messageSchema as unknown as Schema;

describe('validate', () => {
  const fileRef: Schema = {
    type: 'object', properties: { filename: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
    required: ['filename'], additionalProperties: false,
  };

  test.each<[string, Schema, unknown, string[]]>([
    ['a fitting value', fileRef, { filename: 'a.png', tags: ['x'] }, []],
    ['a wrong type', { type: 'string' }, 3, ['$: expected string, found 3']],
    ['one of several types', { type: ['string', 'null'] }, null, []],
    ['none of several types', { type: ['string', 'null'] }, false, ['$: expected string or null, found false']],
    ['an integer', { type: 'integer' }, 2.5, ['$: expected integer, found 2.5']],
    ['an integer is a number', { type: 'number' }, 2, []],
    ['an array is not an object', { type: 'object' }, [], ['$: expected object, found []']],
    ['a missing property', fileRef, {}, ['$.filename: required, found nothing']],
    ['an extra property', fileRef, { filename: 'a', size: 1 }, ['$.size: not allowed here']],
    ['extra properties are allowed unless forbidden', { type: 'object', properties: {} }, { anything: 1 }, []],
    ['items, with their index', fileRef, { filename: 'a', tags: ['x', 2, null] }, ['$.tags[1]: expected string, found 2', '$.tags[2]: expected string, found null']],
    ['a const', { const: { a: [1] } }, { a: [1] }, []],
    ['a wrong const', { const: 'status' }, 'stat', ['$: expected "status", found "stat"']],
    ['an enum', { enum: ['a', 'b'] }, 'c', ['$: expected one of "a", "b", found "c"']],
    ['odd keys are quoted in paths', { properties: { 'a b': { type: 'string' } } }, { 'a b': 1 }, ['$["a b"]: expected string, found 1']],
    ['descriptions change nothing', { description: 'words', type: 'boolean' }, true, []],
  ])('%s', (_, schema, value, errors) => {
    expect(validate(schema, value)).toEqual(errors);
  });

  const either: Schema = { oneOf: [
    { type: 'object', properties: { type: { const: 'a' }, n: { type: 'number' } }, required: ['type', 'n'] },
    { type: 'object', properties: { type: { const: 'b' }, s: { type: 'string' } }, required: ['type'] },
  ] };

  test('oneOf: exactly one alternative fits', () => {
    expect(validate(either, { type: 'a', n: 1 })).toEqual([]);
    expect(validate({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 1)).toEqual(['$: fits 2 of the alternatives, expected exactly one']);
  });

  test('oneOf: when none fits, the closest alternative says why', () => {
    expect(validate(either, { type: 'a', n: 'one' })).toEqual(['$: fits none of the 2 alternatives', '$.n: expected number, found "one"']);
    expect(validate(either, { type: 'c' })).toEqual(['$: fits none of the 2 alternatives']);
  });

  test('a keyword outside the subset is refused, not ignored', () => {
    expect(() => validate({ $ref: '#/x' } as Schema, 1)).toThrow('unsupported schema keyword $ref');
    expect(() => validate({ type: 'object', properties: { a: { minimum: 1 } as Schema } }, { a: 0 })).toThrow('unsupported schema keyword minimum (at $.a)');
  });

  test('jsonEqual compares structure, not identity or key order', () => {
    expect(jsonEqual({ a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });
});

describe('random messages from the message schema', () => {
  test('every value built to fit the schema is valid', () => {
    const random = seededRandom(1);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const value = sample(messages, random);
      expect(validate(messages, value), JSON.stringify(value)).toEqual([]);
      seen.add((value as { type: string }).type);
    }
    expect(seen.size).toBe(messages.oneOf!.length);
  });

  test('every value broken at one place is refused, and the report names that place', () => {
    const random = seededRandom(2);
    for (let i = 0; i < 2000; i++) {
      const broken = spoiled(messages, random)!;
      const errors = validate(messages, broken.value);
      expect(errors.length, JSON.stringify(broken)).toBeGreaterThan(0);
      // where the break is below the message's `type`, the report points at it
      if (broken.path !== '$.type' && broken.path !== '$') {
        expect(errors.some((error) => error.startsWith(`${broken.path}:`)), `${JSON.stringify(broken)} -> ${errors.join('; ')}`).toBe(true);
      }
    }
  });

  test('values of every JSON type are told apart', () => {
    const random = seededRandom(3);
    for (const type of ALL_TYPES) {
      const value = valueOfType(type, random);
      expect(validate({ type }, value)).toEqual([]);
      expect(jsonType(value) === type || type === 'integer').toBe(true);
    }
  });
});
