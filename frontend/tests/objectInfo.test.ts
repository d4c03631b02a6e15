// @vitest-environment node
/** The node library as parsed from `/object_info`. */
import { describe, expect, test } from 'vitest';
import { defaultValue, parseNodeDef, parseObjectInfo } from '../src/api/objectInfo';
import { entry, library, objectInfo } from './helpers';

describe('parseObjectInfo', () => {
  test('every class of a real server is parsed, in input_order, with its outputs', () => {
    expect([...library.keys()]).toEqual(Object.keys(objectInfo));
    for (const [name, def] of library) {
      const order = objectInfo[name].input_order!;
      expect(def.inputs.map((i) => i.name)).toEqual([...order.required!, ...order.optional!]);
      expect(def.outputs.map((o) => o.type)).toEqual(objectInfo[name].output);
    }
    const mix = library.get('MixAudio')!;
    expect(mix.inputs.find((i) => i.name === 'b')).toMatchObject({ type: 'AUDIO', optional: true, widget: false });
    expect(mix.inputs.find((i) => i.name === 'a')).toMatchObject({ optional: false });
    expect(library.get('LoadWorld')!.outputs).toEqual([
      { name: 'world', type: 'WORLD', isList: false, tooltip: '' },
      { name: 'description', type: 'STRING', isList: false, tooltip: '' },
    ]);
    expect(library.get('SaveVideo')!).toMatchObject({ displayName: 'Save video', category: 'video', outputNode: true, source: 'builtin' });
  });

  test('input_order decides the order; names it leaves out follow; required before optional', () => {
    const def = parseNodeDef(entry('Ordered', { z: ['INT'], a: ['FLOAT'], m: ['STRING'] }, {
      input: { optional: { late: ['IMAGE'], early: ['IMAGE'] } },
      input_order: { required: ['m', 'z', 'gone'], optional: ['early', 'late'] },
    }));
    expect(def.inputs.map((i) => [i.name, i.optional])).toEqual([
      ['m', false], ['z', false], ['a', false], ['early', true], ['late', true],
    ]);
    const unordered = parseNodeDef(entry('Plain', { b: ['INT'], a: ['INT'] }));
    expect(unordered.inputs.map((i) => i.name)).toEqual(['b', 'a']);
  });

  test('choices as a list and as ["COMBO", {options}] are both COMBO widgets', () => {
    const def = parseNodeDef(entry('Choices', {
      listed: [['low', 'high'], { default: 'high' }],
      modern: ['COMBO', { options: ['a', 'b', 'c'] }],
      numbers: [[1, 2] as unknown as string[]],
      empty: ['COMBO'],
    }));
    const [listed, modern, numbers, empty] = def.inputs;
    expect(listed).toMatchObject({ type: 'COMBO', choices: ['low', 'high'], widget: true });
    expect(modern).toMatchObject({ type: 'COMBO', choices: ['a', 'b', 'c'], widget: true });
    expect(numbers.choices).toEqual(['1', '2']);
    expect(empty.choices).toEqual([]);
    expect(defaultValue(listed)).toBe('high');
    expect(defaultValue(modern)).toBe('a');
    expect(defaultValue(empty)).toBe('');
  });

  test('widget flags follow the widget types; other types are sockets', () => {
    const def = parseNodeDef(entry('Kinds', {
      i: ['INT'], f: ['FLOAT'], s: ['STRING'], b: ['BOOLEAN'], img: ['IMAGE'], any: ['*'], union: ['INT,FLOAT'], custom: ['MASK'],
    }));
    expect(Object.fromEntries(def.inputs.map((i) => [i.name, i.widget]))).toEqual({
      i: true, f: true, s: true, b: true, img: false, any: false, union: false, custom: false,
    });
  });

  test('defaults: the declared one, else min, false, the first choice or empty text', () => {
    const def = parseNodeDef(entry('Defaults', {
      declared: ['INT', { default: 7, min: 1 }],
      ranged: ['INT', { min: 3 }],
      float: ['FLOAT'],
      flag: ['BOOLEAN'],
      falsy: ['BOOLEAN', { default: false }],
      zero: ['FLOAT', { default: 0, min: 5 }],
      text: ['STRING'],
      choice: [['x', 'y']],
    }));
    expect(Object.fromEntries(def.inputs.map((i) => [i.name, defaultValue(i)]))).toEqual({
      declared: 7, ranged: 3, float: 0, flag: false, falsy: false, zero: 0, text: '', choice: 'x',
    });
    const real = library.get('LoadWorld')!.inputs;
    expect(defaultValue(real.find((i) => i.name === 'preset')!)).toBe('alpine_meadow');
    expect(defaultValue(real.find((i) => i.name === 'fog')!)).toBe(0.15);
  });

  test('options are kept; output names default to the lower-cased type; the key names the class', () => {
    const parsed = parseObjectInfo({
      Keyed: { ...entry('ignored', { seed: ['INT', { control_after_generate: true, forceInput: true, min: 0 }] }), output: ['IMAGE', 'MASK'],
        output_name: ['frames'], output_is_list: [true] },
    });
    const def = parsed.get('Keyed')!;
    expect(def.name).toBe('Keyed');
    expect(def.displayName).toBe('Keyed');
    expect(def.inputs[0].options).toEqual({ control_after_generate: true, forceInput: true, min: 0 });
    expect(def.outputs.map((o) => [o.name, o.isList])).toEqual([['frames', true], ['mask', false]]);
    expect(def).toMatchObject({ category: '', description: '', outputNode: false, source: '' });
  });
});
